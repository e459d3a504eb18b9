using BoltzmannGen.Cli;
using BoltzmannGen.Data;
using BoltzmannGen.Sampling;
using BoltzmannGen.Tests.Support;

namespace BoltzmannGen.Tests.Cli;

/// <summary>
/// `bgen merge`: sample shards reweighted one by one and merged are the samples one process would have reweighted,
/// bit for bit (log_w = −u − log q of each sample alone), so the ESS is the same; the same shards give the same bytes.
/// </summary>
public class MergeCommandTests
{
    private static string ForceFields => EnergyFixtures.Catalog.ForceFieldsDirectory;

    private static (int Code, string Error) Run(params string[] args)
    {
        var (code, error) = InProcessBgen.Capture(args);
        return (code, error.Trim());
    }

    /// <summary>Frames <paramref name="from"/>.. of aldp's shipped test split as a shard, with made-up but reproducible log q.</summary>
    private static string Shard(TempDir dir, string name, int from, int count)
    {
        var frames = Npy.Read(FixturePath.Repository(Path.Combine("data", "aldp", "test.npy")));
        int atoms = frames.Shape[1];
        var positions = frames.AsFloat32().AsSpan(from * atoms * 3, count * atoms * 3).ToArray();
        var logQ = Enumerable.Range(from, count).Select(i => 40.0 + Math.Sin(i) * 5).ToArray();
        string path = dir.File(name);
        Npz.Write(path, ("positions", new NpyArray(positions, count, atoms, 3)), ("log_q", new NpyArray(logQ, count)),
            ("sampling_seconds", new NpyArray([0.25 * (from + 1)], 1)));
        return path;
    }

    [Fact]
    public void Shards_reweighted_one_by_one_and_merged_equal_the_merged_shards_reweighted_at_once_bit_for_bit()
    {
        using var dir = new TempDir();
        var shards = new[] { Shard(dir, "a.npz", 0, 30), Shard(dir, "b.npz", 30, 25), Shard(dir, "c.npz", 55, 20) };

        // One process: the shards merged, then reweighted as one file (with weight clipping).
        string whole = dir.File("whole.npz");
        Assert.Equal((0, ""), Run(["merge", "--out", whole, .. shards]));
        Assert.Equal((0, ""), Run("reweight", "--system", "aldp", "--forcefields", ForceFields, "--samples", whole, "--clip-top", "0.05"));

        // Shards: each reweighted alone, then merged (clipping the merged weights).
        foreach (var shard in shards) Assert.Equal((0, ""), Run("reweight", "--system", "aldp", "--forcefields", ForceFields, "--samples", shard));
        string merged = dir.File("merged.npz");
        Assert.Equal((0, ""), Run(["merge", "--out", merged, "--clip-top", "0.05", .. shards]));

        var a = SampleFile.Read(whole);
        var b = SampleFile.Read(merged);
        Assert.Equal(75, b.Count);
        foreach (var name in new[] { "positions", "log_q", "energy", "log_w", "valid", "reflected", "log_w_clipped" })
        {
            Assert.Equal(a.Arrays[name].DType, b.Arrays[name].DType);
            Assert.Equal(a.Arrays[name].Data.Cast<object>(), b.Arrays[name].Data.Cast<object>());
        }
        Assert.Equal(new ImportanceWeights(a.Arrays["log_w"].AsFloat64()).EffectiveSampleSize, new ImportanceWeights(b.Arrays["log_w"].AsFloat64()).EffectiveSampleSize);
        Assert.Equal(0.25 + 7.75 + 14.0, b.Arrays["sampling_seconds"].ToDoubles()[0], 12); // CPU seconds: summed
        Assert.True(b.Has("reweight_seconds"));

        // The same shards, the same bytes.
        string again = dir.File("again.npz");
        Assert.Equal((0, ""), Run(["merge", "--out", again, "--clip-top", "0.05", .. shards]));
        Assert.Equal(File.ReadAllBytes(merged), File.ReadAllBytes(again));
    }

    [Fact]
    public void Shards_that_cannot_be_merged_are_refused_by_name_and_nothing_is_written()
    {
        using var dir = new TempDir();
        string a = Shard(dir, "a.npz", 0, 10), b = Shard(dir, "b.npz", 10, 10);
        string outFile = dir.File("out.npz");
        Assert.Equal((0, ""), Run("reweight", "--system", "aldp", "--forcefields", ForceFields, "--samples", a, "--clip-top", "0.1"));
        var (code, error) = Run("merge", "--out", outFile, a, b);
        Assert.Equal(2, code);
        Assert.Equal($"error: {a}: array 'log_w_clipped' cannot be merged shard by shard (it needs every weight: clip with `bgen merge --clip-top`).", error);

        string c = Shard(dir, "c.npz", 0, 10);
        Assert.Equal((0, ""), Run("reweight", "--system", "aldp", "--forcefields", ForceFields, "--samples", c));
        (code, error) = Run("merge", "--out", outFile, c, b);
        Assert.Equal((2, $"error: {b} is not reweighted but {c} is; reweight every shard (or none) before merging."), (code, error));
        (code, error) = Run("merge", "--out", outFile, "--clip-top", "0.1", b, b);
        Assert.Equal((2, "error: --clip-top: the shards are not reweighted; there are no weights to clip."), (code, error));
        (code, error) = Run("merge", "--out", b, b);
        Assert.Equal((2, $"error: --out {b} is one of the shards; merge into another file."), (code, error));
        Assert.False(File.Exists(outFile));
    }
    [Fact]
    public void Shards_of_one_mixture_proposal_keep_its_description_and_shards_of_two_are_refused()
    {
        using var dir = new TempDir();
        string Described(string name, int from, params (string Name, double[] Values)[] proposal)
        {
            string path = Shard(dir, name, from, 10);
            var arrays = SampleFile.Read(path).Arrays.ToDictionary(kv => kv.Key, kv => kv.Value);
            foreach (var (key, values) in proposal) arrays[key] = new NpyArray(values, values.Length);
            Npz.Write(path, arrays);
            return path;
        }
        string a = Described("a.npz", 0, ("defensive_mixture", [0.1, 1.5])), b = Described("b.npz", 10, ("defensive_mixture", [0.1, 1.5]));
        string merged = dir.File("merged.npz");
        Assert.Equal((0, ""), Run("merge", "--out", merged, a, b));
        Assert.Equal([0.1, 1.5], SampleFile.Read(merged).Optional("defensive_mixture")!);

        string c = Described("c.npz", 20, ("defensive_mixture", [0.2, 1.5])), d = Described("d.npz", 30, ("mixture_flows", [2.0])), plain = Shard(dir, "e.npz", 40, 10);
        foreach (var (first, second) in new[] { (a, c), (a, d), (a, plain) })
        {
            var (code, error) = Run("merge", "--out", dir.File("no.npz"), first, second);
            Assert.Equal(2, code);
            Assert.StartsWith($"error: {second}: drawn from another proposal than {first}", error);
        }
        Assert.False(File.Exists(dir.File("no.npz")));
    }

    /// <summary>A reweighted shard made into a `bgen smc` file: log_w rescaled to mean exp = Ẑ (as SMC writes them), with its schedule.</summary>
    private static string SmcShard(TempDir dir, string name, int from, int count, double logZ, double[] betas)
    {
        string path = Shard(dir, name, from, count);
        Assert.Equal((0, ""), Run("reweight", "--system", "aldp", "--forcefields", ForceFields, "--samples", path));
        var file = SampleFile.Read(path);
        var logW = file.Arrays["log_w"].AsFloat64();
        // Shift so that the mean of exp(log_w) over the particles is exp(logZ), as an SMC run's final weights are.
        double top = logW.Where(double.IsFinite).Max();
        double shift = logZ - (top + Math.Log(logW.Sum(w => Math.Exp(w - top)) / count));
        var arrays = file.Arrays.ToDictionary(kv => kv.Key, kv => kv.Value);
        arrays["log_w"] = new NpyArray(logW.Select(w => w + shift).ToArray(), count);
        arrays["estimator"] = new NpyArray([SampleFile.EstimatorSmc], 1);
        arrays["smc_betas"] = new NpyArray(betas, betas.Length);
        arrays["smc_acceptance"] = new NpyArray(new double[betas.Length - 1], betas.Length - 1);
        arrays["smc_log_z"] = new NpyArray([logZ], 1);
        arrays["smc_energy_evaluations_per_particle"] = new NpyArray([from + 10.0], 1);
        arrays["smc_family"] = new NpyArray(Enumerable.Range(0, count).Select(i => i / 3 * 3).ToArray(), count); // copies in threes
        Npz.Write(path, arrays);
        return path;
    }

    [Fact]
    public void Independent_smc_runs_merge_into_one_population_whose_log_z_is_the_mean_of_all_weights()
    {
        using var dir = new TempDir();
        double[] betas = [0, 0.5, 1];
        string a = SmcShard(dir, "a.npz", 0, 30, logZ: -3.0, betas), b = SmcShard(dir, "b.npz", 30, 20, logZ: -2.0, betas);
        string merged = dir.File("smc.npz");
        Assert.Equal((0, ""), Run("merge", "--out", merged, a, b));
        var m = SampleFile.Read(merged);
        Assert.True(m.IsSmc);
        var logW = m.Arrays["log_w"].AsFloat64();
        Assert.Equal(SampleFile.Read(a).Arrays["log_w"].AsFloat64().Concat(SampleFile.Read(b).Arrays["log_w"].AsFloat64()), logW);
        // Brute force: Ẑ of the merged population is the plain mean of exp(log_w) over all 50 particles.
        Assert.Equal(Math.Log(logW.Sum(Math.Exp) / 50), m.Arrays["smc_log_z"].ToDoubles()[0], 12);
        Assert.Equal(Math.Log((30 * Math.Exp(-3.0) + 20 * Math.Exp(-2.0)) / 50), m.Arrays["smc_log_z"].ToDoubles()[0], 12);
        Assert.Equal((30 * 10.0 + 20 * 40.0) / 50, m.Arrays["smc_energy_evaluations_per_particle"].ToDoubles()[0], 12);
        Assert.Equal(betas, m.Arrays["smc_betas"].ToDoubles());
        Assert.False(m.Has("smc_acceptance")); // one run's statistics, not the merged population's
        // b's starting particles are numbered after a's 30: no family spans two runs.
        Assert.Equal(Enumerable.Range(0, 30).Select(i => i / 3 * 3).Concat(Enumerable.Range(0, 20).Select(i => 30 + i / 3 * 3)),
                     m.Optional("smc_family")!.Select(f => (int)f));

        // Another schedule: the β list is not the merged file's; SMC and plain samples are not merged.
        string c = SmcShard(dir, "c.npz", 50, 10, logZ: -2.5, [0, 1]);
        Assert.Equal((0, ""), Run("merge", "--out", dir.File("mixed.npz"), a, c));
        Assert.False(SampleFile.Read(dir.File("mixed.npz")).Has("smc_betas"));
        string plain = Shard(dir, "plain.npz", 60, 10);
        Assert.Equal((0, ""), Run("reweight", "--system", "aldp", "--forcefields", ForceFields, "--samples", plain));
        var (code, error) = Run("merge", "--out", dir.File("no.npz"), a, plain);
        Assert.Equal((2, $"error: {a} holds `bgen smc` particles but {plain} does not; merge SMC runs only with SMC runs."), (code, error));
        Assert.False(File.Exists(dir.File("no.npz")));
    }
}
