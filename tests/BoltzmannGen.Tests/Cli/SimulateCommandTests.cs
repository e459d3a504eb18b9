using System.Text.Json;
using BoltzmannGen.Cli;
using BoltzmannGen.Data;
using BoltzmannGen.Datasets;
using BoltzmannGen.Energy;
using BoltzmannGen.Tests.Support;

namespace BoltzmannGen.Tests.Cli;

/// <summary>One small dataset made by `bgen simulate`, shared by the tests that read it.</summary>
public sealed class SmallDataset : IDisposable
{
    public SmallDataset()
    {
        Folder = new TempDir();
        Path = System.IO.Path.Combine(Folder.Path, "aldp");
        var errors = new StringWriter();
        Code = InProcessBgen.Run(["simulate", "--system", "aldp", "--ns", "0.03", "--save-every-ps", "1", "--equilibrate-ps", "2",
            "--temperatures", "300,360", "--out", Path, "--forcefields", EnergyFixtures.Catalog.ForceFieldsDirectory], errors);
        Error = errors.ToString();
    }

    internal TempDir Folder { get; }
    public string Path { get; }
    public int Code { get; }
    public string Error { get; }

    public void Dispose() => Folder.Dispose();
}

public class SimulateCommandTests(SmallDataset dataset) : IClassFixture<SmallDataset>
{
    private static string ForceFields => EnergyFixtures.Catalog.ForceFieldsDirectory;

    private static (int Code, string Error) Run(params string[] args)
    {
        var errors = new StringWriter();
        int code = InProcessBgen.Run([.. args, "--forcefields", ForceFields], errors);
        return (code, errors.ToString());
    }

    [Fact]
    public void Writes_every_file_of_the_dataset_contract()
    {
        Assert.True(dataset.Code == 0, dataset.Error);
        foreach (var f in new[] { "train.npy", "val.npy", "test.npy", "train_energy.npy", "val_energy.npy", "test_energy.npy", "topology.pdb", "trajectory.dcd", "meta.json" })
            Assert.True(File.Exists(Path.Combine(dataset.Path, f)), f);
        Assert.False(Directory.Exists(Path.Combine(dataset.Path, ".partial")));
        var loaded = ReferenceDataset.Load(dataset.Path, EnergyFixtures.System("aldp"));
        Assert.Equal(24, loaded.Meta.Frames["train"]);
        Assert.Equal(3, loaded.Meta.Frames["val"]);
        Assert.Equal(3, loaded.Meta.Frames["test"]);
        Assert.Equal(new[] { 24, 22, 3 }, Npy.Read(Path.Combine(dataset.Path, "train.npy")).Shape);
        Assert.Equal(30, Dcd.Read(Path.Combine(dataset.Path, "trajectory.dcd"), 22).Count);
        Assert.Contains("bgen simulate --system aldp --ns 0.03", loaded.Meta.Command);
        Assert.Single(loaded.Meta.SwapAcceptance!);
        Assert.Contains("sin_phi2", loaded.Meta.AutocorrelationTimeFrames.Keys);
        Assert.Contains("phi2", loaded.Meta.PhiPositivePopulation.Keys);
    }

    [Fact]
    public void Stored_energies_agree_with_bgen_energy_on_the_stored_frames()
    {
        var loaded = ReferenceDataset.Load(dataset.Path);
        using var energy = PotentialEnergy.For(EnergyFixtures.System("aldp"), new EnergyOptions { Threads = 1 });
        foreach (var split in ReferenceDataset.SplitNames)
        {
            var frames = loaded.Split(split);
            var batch = energy.Evaluate(frames.Positions, withForces: true);
            var stored = loaded.SplitEnergies(split);
            for (int i = 0; i < stored.Length; i++)
            {
                // Measured: differences ≤ 1.1e-4 kJ/mol, bounds 3e-4–5e-4 (the old tolerance was 0.05).
                double bound = StoredEnergyBound.Of(frames.Frame(i), batch.Forces!.AsSpan(i * 66, 66));
                double diff = Math.Abs(batch.Energies[i] - stored[i]);
                Assert.True(diff <= bound, $"{split} frame {i}: {batch.Energies[i]} vs {stored[i]} (bound {bound:E2})");
            }
        }
    }

    [Fact]
    public void Train_val_and_test_are_contiguous_blocks_of_the_trajectory()
    {
        var loaded = ReferenceDataset.Load(dataset.Path);
        var dcd = Dcd.Read(Path.Combine(dataset.Path, "trajectory.dcd"), 22);
        var test = loaded.Split("test");
        // The last test frame is the last frame of the trajectory (DCD keeps float32 Å, so compare to 1e-6 nm).
        var last = dcd.Frame(dcd.Count - 1).ToArray();
        var lastTest = test.Frame(test.Count - 1).ToArray();
        for (int i = 0; i < last.Length; i++) Assert.Equal(last[i], lastTest[i], 5);
    }

    [Fact]
    public void Meta_statistics_agree_with_an_independent_computation_from_the_stored_frames()
    {
        // Reference: the test's own direct-sum statistics (Support/DirectTrajectoryStatistics, checked against the
        // numpy script tools/dihedral_reference.py in TrajectoryReferenceTests), not the project's TrajectoryStatistics.
        var loaded = ReferenceDataset.Load(dataset.Path);
        var meta = loaded.Meta;
        var frames = loaded.All(); // the float32 positions simulate computed its statistics from, train/val/test in order
        var observables = DirectTrajectoryStatistics.Observables(frames, DihedralReference.Dihedrals());
        var tau = DirectTrajectoryStatistics.Times(observables, meta.Replicas);
        Assert.Equal(tau.Keys.Order(), meta.AutocorrelationTimeFrames.Keys.Order());
        // meta.json rounds τ to 3 decimals and effective samples to 1.
        foreach (var (name, expected) in tau)
            Assert.True(Math.Abs(meta.AutocorrelationTimeFrames[name] - expected) <= 5e-4 + 1e-12, $"{name}: meta {meta.AutocorrelationTimeFrames[name]} vs {expected}");
        double slowest = tau.Values.Max();
        foreach (var (split, n) in meta.Frames)
            Assert.True(Math.Abs(meta.EffectiveSamples[split] - Math.Max(1, n / slowest)) <= 0.05 + 1e-12, $"{split}: {meta.EffectiveSamples[split]}");
        var (mean, se) = DirectTrajectoryStatistics.Population(observables["phi2_positive"]);
        Assert.Equal(mean, meta.PhiPositivePopulation["phi2"].Mean, 1e-12);
        Assert.Equal(se, meta.PhiPositivePopulation["phi2"].StandardError, 1e-12);
        Assert.Equal(0, InProcessBgen.Run(["autocorr", dataset.Path], new StringWriter()));
    }

    [Fact]
    public void An_existing_dataset_is_not_overwritten_without_force()
    {
        string before = File.ReadAllText(Path.Combine(dataset.Path, "meta.json"));
        var (code, error) = Run("simulate", "--system", "aldp", "--ns", "0.02", "--out", dataset.Path);
        Assert.Equal(2, code);
        Assert.Contains("--force", error);
        Assert.Equal(before, File.ReadAllText(Path.Combine(dataset.Path, "meta.json")));
    }

    [Fact]
    public void A_changed_file_fails_its_checksum_and_another_systems_dataset_is_refused()
    {
        using var dir = new TempDir();
        foreach (var f in Directory.GetFiles(dataset.Path)) File.Copy(f, Path.Combine(dir.Path, Path.GetFileName(f)));
        var e = Assert.Throws<InputException>(() => ReferenceDataset.Load(dir.Path, EnergyFixtures.System("al3")));
        Assert.Contains("al3", e.Message);
        var bytes = File.ReadAllBytes(dir.File("val.npy"));
        bytes[^1] ^= 0xFF;
        File.WriteAllBytes(dir.File("val.npy"), bytes);
        var checksum = Assert.Throws<InputException>(() => ReferenceDataset.Load(dir.Path));
        Assert.Contains("val.npy", checksum.Message);
        Assert.Contains("checksum", checksum.Message);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    public void Zero_or_negative_length_is_refused(string ns)
    {
        using var dir = new TempDir();
        var (code, error) = Run("simulate", "--system", "aldp", "--ns", ns, "--out", dir.File("out"));
        Assert.Equal(2, code);
        Assert.Contains("--ns", error);
        Assert.False(Directory.Exists(dir.File("out")));
    }

    [Fact]
    public void Unknown_system_is_refused()
    {
        using var dir = new TempDir();
        var (code, error) = Run("simulate", "--system", "trpcage", "--ns", "1", "--out", dir.File("out"));
        Assert.Equal(2, code);
        Assert.Contains("trpcage", error);
    }

    [Fact]
    public void Unwritable_output_is_refused_before_simulating()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("a-file"), "");
        var (code, error) = Run("simulate", "--system", "aldp", "--ns", "1", "--out", Path.Combine(dir.File("a-file"), "data"));
        Assert.Equal(2, code);
        Assert.Contains("not writable", error);
    }

    [Fact]
    public void Decreasing_temperatures_are_refused()
    {
        using var dir = new TempDir();
        var (code, error) = Run("simulate", "--system", "aldp", "--ns", "1", "--temperatures", "300,290", "--out", dir.File("out"));
        Assert.Equal(2, code);
        Assert.Contains("--temperatures", error);
    }
}
