using BoltzmannGen.Cli;
using BoltzmannGen.Datasets;
using BoltzmannGen.Energy;
using BoltzmannGen.Sampling;
using BoltzmannGen.Targets;
using BoltzmannGen.Tests.FineTuning;
using BoltzmannGen.Tests.Support;

namespace BoltzmannGen.Tests.Cli;

/// <summary>
/// Sizes that cannot work are refused up front, by option and limit (issue 20, items 8, 11, 12, 15): `sample --n`
/// beyond one array of positions crashed after sampling, `train batch_size=100000000` on 500 pairs grew until the
/// kernel's OOM killer took it and other jobs, `energy --threads 100000` crashed in native code after 83 s, and
/// `train --platform Bogus --threads 7` was accepted and ignored.
/// </summary>
public class SizeLimitTests
{
    private static string ForceFields => EnergyFixtures.Catalog.ForceFieldsDirectory;
    private static string Aldp => Path.Combine(ForceFields, "..", "data", "aldp");

    private static string Refused(params string[] args)
    {
        var errors = new StringWriter();
        int code = InProcessBgen.Run(args, errors);
        Assert.True(code == 2, $"exit code {code}: {errors}");
        return Assert.Single(errors.ToString().Trim().Split('\n'));
    }

    private static string Targets(TempDir dir, int pairs)
    {
        var random = new Random(3);
        float[] Draw() => Enumerable.Range(0, pairs * 66).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        string path = dir.File("targets.npz");
        new TargetsFile(Draw(), Draw(), pairs, 22, 0.3, new TargetsMeta { System = "aldp", Kind = "ot", Pairs = pairs }).Write(path);
        return path;
    }

    [Fact]
    public void Sample_refuses_more_conformations_than_one_array_of_positions_holds_before_sampling()
    {
        using var dir = new TempDir();
        string model = FineTunerTests.BaseModel(dir);
        long max = SampleSizeLimits.MaxSamples(22);
        Assert.Equal(Array.MaxLength / 66, max); // 32,537,630 for ALDP: the probe's crash point, ~32.5 M
        var clock = System.Diagnostics.Stopwatch.StartNew();
        string line = Refused("sample", "--model", model, "--n", "40000000", "--out", dir.File("s.npz"), "--device", "cpu");
        Assert.Equal($"error: --n 40000000 is more than one samples file can hold for 22 atoms: positions are one array of n × 66 values, so --n can be at most {max}; " +
                     "draw several files with different seeds instead.", line);
        Assert.True(clock.Elapsed.TotalSeconds < 60, "refused before sampling");
        Assert.False(File.Exists(dir.File("s.npz")));
    }

    [Fact]
    public void The_sample_size_check_bounds_memory_and_serves_a_run_configs_sample_n()
    {
        var e = Assert.Throws<InputException>(() => SampleSizeLimits.Check(2_000_000_000, 22, "sample.n", "aldp"));
        Assert.StartsWith("sample.n 2000000000 is more than one samples file can hold for aldp (22 atoms)", e.Message);
        var memory = Assert.Throws<InputException>(() => SampleSizeLimits.Check(1_000_000, 22, "--n", "aldp", availableBytes: 100_000_000));
        Assert.Equal("--n 1000000 needs 0.3 GB for the positions and log q of aldp (22 atoms), more than the 0.1 GB of memory available; --n can be at most about 367647 here.", memory.Message);
        SampleSizeLimits.Check(20000, 22, "sample.n", "aldp"); // the presets' sizes pass
    }

    [Fact]
    public void Train_refuses_a_batch_larger_than_its_pairs_or_frames_and_writes_nothing()
    {
        using var dir = new TempDir();
        string targets = Targets(dir, 500);
        string fort = Refused("train", "--system", "aldp", "--objective", "fort", "--targets", targets, "--out", dir.File("m"), "--forcefields", ForceFields,
            "--device", "cpu", "batch_size=100000000");
        Assert.Equal($"error: batch_size 100000000 is more than the 500 pairs in {targets}: each step draws batch_size of them; use batch_size=500 or less.", fort);
        Assert.False(Directory.Exists(dir.File("m")));

        int frames = BoltzmannGen.Datasets.ReferenceDataset.Load(Aldp).Meta.Frames["train"];
        string mle = Refused("train", "--system", "aldp", "--objective", "mle", "--data", Aldp, "--out", dir.File("m"), "--forcefields", ForceFields,
            "--device", "cpu", $"batch_size={frames + 1}");
        Assert.StartsWith($"error: batch_size {frames + 1} is more than the {frames} training frames in {Aldp}", mle);
        string teacher = Refused("teacher", "train", "--system", "aldp", "--data", Aldp, "--out", dir.File("t"), "--forcefields", ForceFields,
            "--device", "cpu", "batch_size=100000000");
        Assert.StartsWith($"error: batch_size 100000000 is more than the {frames} training frames in {Aldp}", teacher);
        Assert.False(Directory.Exists(dir.File("m")));
        Assert.False(Directory.Exists(dir.File("t")));
    }

    [Fact]
    public void Fine_tuning_memory_grows_with_the_batch_and_the_flow_and_a_batch_that_cannot_fit_is_refused_by_key()
    {
        var nsf = new BoltzmannGen.Flows.FlowHyperparameters { Layers = 8, HiddenWidth = 256, Bins = 8 };
        var both = new BoltzmannGen.FineTuning.FineTuneConfig { ReverseKl = 1, ReweightedMl = 1, BatchSize = 65536 };
        // 8 × (256·6 + 66·25) activations a pass at 12 bytes: 306 KB, above the 196 KB measured sampling differentiably.
        Assert.Equal(8 * (256 * 6 + 66 * 25), BoltzmannGen.FineTuning.FineTuneMemory.ActivationsPerPass("nsf", nsf, 22, density: false));
        double small = BoltzmannGen.FineTuning.FineTuneMemory.StepBytes(both with { BatchSize = 256 }, "nsf", nsf, 22);
        double large = BoltzmannGen.FineTuning.FineTuneMemory.StepBytes(both, "nsf", nsf, 22);
        Assert.True(large > 40e9 && small < 0.25e9, $"{small} {large}");
        Assert.True(BoltzmannGen.FineTuning.FineTuneMemory.StepBytes(both, "tarflow", new BoltzmannGen.Flows.FlowHyperparameters(), 22) > 20 * large);
        var e = Assert.Throws<InputException>(() => BoltzmannGen.FineTuning.FineTuneMemory.Check(both, "nsf", nsf, 22, "aldp", availableBytes: 16_000_000_000));
        Assert.StartsWith("batch_size 65536 needs about 40.", e.Message);
        Assert.Contains(" GB per fine-tuning step for nsf on aldp (22 atoms) (0.61 MB a sample), more than the 16.0 GB of memory available; batch_size can be at most about 2", e.Message);
        var run = Assert.Throws<InputException>(() => BoltzmannGen.FineTuning.FineTuneMemory.Check(both, "nsf", nsf, 22, "aldp", "finetune.", 16_000_000_000));
        Assert.StartsWith("finetune.batch_size 65536 needs", run.Message);
        BoltzmannGen.FineTuning.FineTuneMemory.Check(both with { BatchSize = 256 }, "nsf", nsf, 22, "aldp", availableBytes: 16_000_000_000); // the presets' sizes pass
        BoltzmannGen.FineTuning.FineTuneMemory.Check(new BoltzmannGen.FineTuning.FineTuneConfig(), "tarflow", new BoltzmannGen.Flows.FlowHyperparameters(), 22, "aldp",
            availableBytes: 16_000_000_000);
        // ml_resample: the density pass sees m draws, not the batch, so a sample of the batch keeps only its positions
        // and energies (4 × 3 × 22 doubles), and the m draws a fixed 8 × (256·6 + 66·25) units × 12 bytes each.
        var weighted = new BoltzmannGen.FineTuning.FineTuneConfig { ReweightedMl = 1, BatchSize = 4096 };
        var resampled = weighted with { MlResample = 128 };
        double pass = 8 * (256 * 6 + 66 * 25) * 12.0;
        Assert.Equal(2048 * 4 * 3 * 22 * 8.0, BoltzmannGen.FineTuning.FineTuneMemory.StepBytes(resampled, "nsf", nsf, 22)
            - BoltzmannGen.FineTuning.FineTuneMemory.StepBytes(resampled with { BatchSize = 2048 }, "nsf", nsf, 22), 3);
        Assert.Equal((4096 - 128) * pass, BoltzmannGen.FineTuning.FineTuneMemory.StepBytes(weighted, "nsf", nsf, 22)
            - BoltzmannGen.FineTuning.FineTuneMemory.StepBytes(resampled, "nsf", nsf, 22), 3);
    }

    /// <summary>A bgen process whose memory (as the runtime reports it to the size checks) is 256 MB.</summary>
    private static readonly Dictionary<string, string?> SmallMemory = new() { ["DOTNET_GCHeapHardLimit"] = "0x10000000" };

    [Fact]
    public void Finetune_refuses_a_batch_that_cannot_fit_in_memory_before_writing_anything()
    {
        using var dir = new TempDir();
        string model = FineTunerTests.BaseModel(dir);
        string output = dir.File("ft");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (code, stdout, error) = BgenProcess.Run(SmallMemory, "finetune", "--model", model, "--out", output, "--device", "cpu", "--forcefields", ForceFields,
            "batch_size=65536");
        Assert.True(code == 2, $"exit code {code}: {error}{stdout}");
        string line = Assert.Single(error.Trim().Split('\n'));
        Assert.StartsWith("error: batch_size 65536 needs about 0.", line);
        Assert.Contains("GB per fine-tuning step for resnvp on aldp (22 atoms)", line);
        Assert.Matches(@"more than the 0\.[0-9] GB of memory available; batch_size can be at most about [0-9]+ here\.$", line);
        Assert.True(clock.Elapsed.TotalSeconds < 60, "refused before fine-tuning");
        Assert.Equal(["base"], Directory.GetFileSystemEntries(dir.Path).Select(p => Path.GetFileName(p)!).ToArray()); // no folder, no lock file
        // The same batch in 23 GB-sized memory would pass the check: the refusal is the memory's, not a fixed cap.
        BoltzmannGen.FineTuning.FineTuneMemory.Check(new BoltzmannGen.FineTuning.FineTuneConfig { BatchSize = 65536 }, "resnvp",
            BoltzmannGen.Flows.ModelDirectory.ReadInfo(model).Hyperparameters, 22, availableBytes: 16_000_000_000);
    }

    [Fact]
    public void Run_refuses_a_fine_tuning_batch_that_cannot_fit_before_the_first_stage()
    {
        using var dir = new TempDir();
        string output = dir.File("run");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (code, stdout, error) = BgenProcess.Run(SmallMemory, "run", "--preset", "smoke", "--out", output, "--forcefields", ForceFields, "finetune.batch_size=65536");
        Assert.True(code == 2, $"exit code {code}: {error}{stdout}");
        Assert.StartsWith("error: finetune.batch_size 65536 needs about ", Assert.Single(error.Trim().Split('\n')));
        Assert.True(clock.Elapsed.TotalSeconds < 30, "refused before the teacher stage");
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Theory]
    [InlineData("100000")]
    [InlineData("257")]
    public void Energy_refuses_more_threads_than_it_allows_at_once(string threads)
    {
        using var dir = new TempDir();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        string line = Refused("energy", "--system", "aldp", "--input", EnergyFixtures.File("aldp", "frames.npy"), "--out", dir.File("e.csv"),
            "--forcefields", ForceFields, "--threads", threads);
        Assert.StartsWith($"error: --threads {threads} is more than the 256 worker threads bgen allows", line);
        Assert.True(clock.Elapsed.TotalSeconds < 30);
        Assert.Empty(dir.Files());
        // The library refuses it too (fine-tuning's energy_threads, any caller of PotentialEnergy).
        var config = Assert.Throws<InputException>(() => BoltzmannGen.FineTuning.FineTuneConfig.Load(null, ["energy_threads=100000"]));
        Assert.StartsWith("energy_threads 100000 is more than the 256 worker threads bgen allows", config.Message);
        var options = new BoltzmannGen.Energy.EnergyOptions { Threads = 100000 };
        Assert.StartsWith("threads 100000 is more than", Assert.Throws<InputException>(options.Validate).Message);
    }

    [Theory]
    [InlineData(new[] { "train", "--system", "aldp", "--out", "{dir}/m", "--platform", "Bogus" }, "error: --platform does not apply here: train evaluates no energies.")]
    [InlineData(new[] { "train", "--system", "aldp", "--out", "{dir}/m", "--threads", "7" }, "error: --threads does not apply here: train evaluates no energies (libtorch's threads follow OMP_NUM_THREADS).")]
    [InlineData(new[] { "teacher", "train", "--system", "aldp", "--data", "d", "--out", "{dir}/t", "--threads", "7" }, "error: --threads does not apply here: teacher train evaluates no energies; its libtorch threads are the config key threads=N.")]
    [InlineData(new[] { "simulate", "--system", "aldp", "--ns", "1", "--out", "{dir}/d", "--threads", "7" }, "error: --threads does not apply here: simulate runs one OpenMM context per trajectory (--replicas × --temperatures).")]
    [InlineData(new[] { "targets", "--system", "aldp", "--data", "d", "--out", "{dir}/t.npz", "--platform", "CPU" }, "error: --platform does not apply here: targets evaluates no energies.")]
    [InlineData(new[] { "report", "--system", "aldp", "--samples", "s.npz", "--reference", "d", "--out", "{dir}/r", "--threads", "2" }, "error: --threads does not apply here: report evaluates no energies (it reads those `bgen reweight` stored).")]
    public void An_energy_option_a_command_does_not_use_is_refused_not_ignored(string[] args, string expected)
    {
        using var dir = new TempDir();
        Assert.Equal(expected, Refused([.. args.Select(a => a.Replace("{dir}", dir.Path)), "--forcefields", ForceFields]));
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }
}
