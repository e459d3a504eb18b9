using BoltzmannGen.Cli;
using BoltzmannGen.FineTuning;
using BoltzmannGen.Flows;
using BoltzmannGen.Optimisation;
using BoltzmannGen.Tests.Support;
using static TorchSharp.torch;

namespace BoltzmannGen.Tests.FineTuning;

/// <summary>
/// `bgen finetune` end to end on aldp with a tiny Cartesian flow: an interrupted run resumes to the parameters of an
/// uninterrupted one, the model folder records the energy evaluations, and bad input is refused with nothing written.
/// </summary>
public class FineTunerTests
{
    private sealed class StopAt(int step, CancellationTokenSource stop) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress p) { if (p.Step >= step) stop.Cancel(); }
    }

    private static readonly FineTuneConfig Tiny = new()
    {
        Steps = 6, BatchSize = 16, ValSamples = 32, ValEvery = 3, CheckpointEvery = 3, LogEvery = 1, WarmupSteps = 2,
        Device = "cpu", EnergyThreads = 1, Seed = 4, ReverseKl = 1, ReweightedMl = 1,
    };

    /// <summary>A perturbed resnvp on aldp with a realistic length scale, saved as a trained model folder.</summary>
    /// <param name="map">an internal-coordinate map for the data side, or null for Cartesian coordinates</param>
    internal static string BaseModel(TempDir dir, string system = "aldp", BoltzmannGen.Coordinates.InternalCoordinateMap? map = null,
                                     string name = "base")
    {
        var s = EnergyFixtures.System(system);
        var info = new ModelInfo
        {
            System = s.Name, Atoms = s.AtomCount, Arch = "resnvp", Scale = 0.05, Objective = "fort",
            Coordinates = map is null ? "cartesian" : "internal", InternalCoordinates = map?.ToJsonNode(),
            Hyperparameters = new FlowHyperparameters { Layers = 2, HiddenWidth = 16, ResidualBlocks = 1, Seed = 2 },
        };
        var model = ModelDirectory.Build(info);
        BoltzmannGen.Tests.Flows.FlowTestSupport.Perturb(model, 0.01, 9);
        string folder = Path.Combine(dir.Path, name);
        ModelDirectory.Save(folder, info, model);
        return folder;
    }

    /// <summary>Fine-tunes into <paramref name="folder"/>, stopped at step 3 (no model written yet), then resumed.</summary>
    private static void StopAndResume(string baseModel, string folder, BoltzmannGen.Systems.PeptideSystem system, FineTuneConfig config)
    {
        using (var stop = new CancellationTokenSource())
            Assert.Throws<OperationCanceledException>(() => FineTuner.Run(new FineTuneRequest(baseModel, folder, system, config), new StopAt(3, stop), stop.Token));
        Assert.False(File.Exists(Path.Combine(folder, ModelDirectory.InfoFile)));
        FineTuner.Run(new FineTuneRequest(baseModel, folder, system, config, Resume: true));
    }

    /// <summary>Asserts the two model folders hold bit-identical parameters; returns their model.json.</summary>
    private static (ModelInfo A, ModelInfo B) AssertSameParameters(string a, string b)
    {
        var (ma, ia) = ModelDirectory.Load(a);
        var (mb, ib) = ModelDirectory.Load(b);
        var pb = mb.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, p) in ma.named_parameters())
            Assert.True(p.data<float>().ToArray().SequenceEqual(pb[name].data<float>().ToArray()), $"parameter {name} differs after resume");
        return (ia, ib);
    }

    [Fact]
    public void Stopped_and_resumed_fine_tuning_matches_an_uninterrupted_run()
    {
        using var dir = new TempDir();
        string baseModel = BaseModel(dir);
        var system = EnergyFixtures.System("aldp");
        string a = Path.Combine(dir.Path, "a"), b = Path.Combine(dir.Path, "b");
        FineTuner.Run(new FineTuneRequest(baseModel, a, system, Tiny));

        StopAndResume(baseModel, b, system, Tiny);
        var (ia, ib) = AssertSameParameters(a, b);
        Assert.Equal(ia.KeptStep, ib.KeptStep);
        // 6 steps of 16 samples and 2 validations of 32: counted from the config, the same for both runs.
        Assert.Equal(6 * 16 + 2 * 32, ia.EnergyEvaluations);
        Assert.Equal(ia.EnergyEvaluations, ib.EnergyEvaluations);
        Assert.Equal(Path.GetFullPath(baseModel), ia.FineTunedFrom);
        Assert.Equal(new[] { "3", "6" }, File.ReadAllLines(Path.Combine(b, FineTuneLog.FileName)).Skip(1).Select(l => l.Split(',')[0]).ToArray());
        Assert.Equal(File.ReadAllLines(Path.Combine(a, FineTuneLog.FileName)), File.ReadAllLines(Path.Combine(b, FineTuneLog.FileName)));
    }

    [Fact]
    public void Stopped_and_resumed_fine_tuning_with_resampling_and_fab_matches_an_uninterrupted_run()
    {
        // An internal-coordinate flow whose draws stay near the reference structure, so samples are valid and carry
        // weight: the resampling offset and the AIS seed are then drawn, and --resume must replay both.
        using var dir = new TempDir();
        string baseModel = BaseModel(dir, map: BoltzmannGen.Tests.Coordinates.CoordinateData.AldpMap, name: "internal");
        var system = EnergyFixtures.System("aldp");
        var config = Tiny with { ReverseKl = 0, MlResample = 4, Fab = 1, FabParticles = 8, FabSteps = 2 };
        string a = Path.Combine(dir.Path, "a"), b = Path.Combine(dir.Path, "b");
        FineTuner.Run(new FineTuneRequest(baseModel, a, system, config));
        var rows = File.ReadAllLines(Path.Combine(a, FineTuneLog.FileName)).Skip(1).Select(l => l.Split(',')).ToArray();
        // train_samples and train_invalid: some draws of every logged stretch were valid.
        Assert.All(rows, r => Assert.True(int.Parse(r[8]) < int.Parse(r[7]), $"step {r[0]}: {r[8]} of {r[7]} draws invalid"));
        // fab_ess and fab_acceptance: fractions, logged for every stretch.
        Assert.All(rows, r => Assert.InRange(double.Parse(r[12], System.Globalization.CultureInfo.InvariantCulture), 1.0 / 8, 1.0));
        Assert.All(rows, r => Assert.InRange(double.Parse(r[13], System.Globalization.CultureInfo.InvariantCulture), 0.0, 1.0));
        // val_pareto_k: the validation batch has valid draws, so its weights have a tail to fit (k̂ of finite weights < 2).
        Assert.All(rows, r => Assert.InRange(double.Parse(r[14], System.Globalization.CultureInfo.InvariantCulture), -1.0, 2.0));

        StopAndResume(baseModel, b, system, config);
        var (ia, _) = AssertSameParameters(a, b);
        // 6 steps of 16 draws + 8 particles × (1 + 2 βs × 1 sweep), and 2 validations of 32.
        Assert.Equal(6 * (16 + 8 * 3) + 2 * 32, ia.EnergyEvaluations);
        Assert.Equal(File.ReadAllLines(Path.Combine(a, FineTuneLog.FileName)), File.ReadAllLines(Path.Combine(b, FineTuneLog.FileName)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Md_ml_repeats_the_md_frames_with_some_phi_positive_md_phi_positive_weight_times(int weight)
    {
        // Frames and their mirror images: of each pair exactly one has aldp's φ > 0, so n of the 2n frames do.
        using var dir = new TempDir();
        string baseModel = BaseModel(dir);
        var originals = EnergyFixtures.Frames("aldp");
        var frames = BoltzmannGen.Tests.Analysis.PhiPositiveOversamplingTests.WithMirrors(originals);
        var config = Tiny with { Steps = 2, ValEvery = 2, CheckpointEvery = 2, MdMl = 1, MdPhiPositiveWeight = weight };
        var result = FineTuner.Run(new FineTuneRequest(baseModel, Path.Combine(dir.Path, "out"), EnergyFixtures.System("aldp"), config,
                                                       TrainingFrames: frames));
        Assert.Equal(originals.Count, result.MdPhiPositiveFrames);
        Assert.Equal(2 * originals.Count + (weight - 1) * originals.Count, result.MdFrames);
    }

    /// <summary>The fab term with a replay buffer of 32 particles: an annealing of 8 at steps 1, 3 and 5, 6 drawn a step.</summary>
    private static readonly FineTuneConfig BufferedFab =
        Tiny with { ReverseKl = 0, Fab = 1, FabParticles = 8, FabSteps = 2, FabBuffer = 32, FabEvery = 2, FabBatch = 6 };

    [Fact]
    public void Stopped_and_resumed_fine_tuning_with_a_fab_replay_buffer_matches_an_uninterrupted_run()
    {
        // The buffer is state beyond weights and generator: annealings at steps 1, 3 and 5, the stop after step 3.
        // A resume that lost the buffer (or its step count) would anneal at step 4 and draw from other particles.
        using var dir = new TempDir();
        string baseModel = BaseModel(dir, map: BoltzmannGen.Tests.Coordinates.CoordinateData.AldpMap, name: "internal");
        var (system, config) = (EnergyFixtures.System("aldp"), BufferedFab);
        string a = Path.Combine(dir.Path, "a"), b = Path.Combine(dir.Path, "b");
        FineTuner.Run(new FineTuneRequest(baseModel, a, system, config));
        StopAndResume(baseModel, b, system, config);
        var (ia, _) = AssertSameParameters(a, b);
        Assert.True(File.Exists(Path.Combine(b, ModelDirectory.CheckpointFolder, "fab_buffer.bin")), "the buffer is part of the checkpoint");
        // 6 steps of 16 draws, 3 annealings of 8 particles × (1 + 2 βs × 1 sweep), and 2 validations of 32.
        Assert.Equal(6 * 16 + 3 * 8 * 3 + 2 * 32, ia.EnergyEvaluations);
        Assert.Equal(File.ReadAllLines(Path.Combine(a, FineTuneLog.FileName)), File.ReadAllLines(Path.Combine(b, FineTuneLog.FileName)));
    }

    private sealed class Collect(List<TrainingProgress> seen) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress p) => seen.Add(p);
    }

    [Fact]
    public void Progress_at_a_validation_states_the_logged_validation_ess()
    {
        // What a user watches is the ESS keep: best ranks by, not the reverse-KL estimate that the loss column holds.
        using var dir = new TempDir();
        string baseModel = BaseModel(dir);
        string folder = Path.Combine(dir.Path, "run");
        var seen = new List<TrainingProgress>();
        FineTuner.Run(new FineTuneRequest(baseModel, folder, EnergyFixtures.System("aldp"), Tiny), new Collect(seen));
        var logged = File.ReadAllLines(Path.Combine(folder, FineTuneLog.FileName)).Skip(1).Select(l => l.Split(',')).ToArray();
        var validations = seen.Where(p => p.ValidationSummary is not null).ToArray();
        Assert.Equal(logged.Select(r => int.Parse(r[0])), validations.Select(p => p.Step));
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        for (int k = 0; k < logged.Length; k++)
        {
            string tail = logged[k][14] == "" ? "" : $", k̂ {double.Parse(logged[k][14], inv).ToString("F2", inv)}";
            Assert.Equal($"val ESS {(100 * double.Parse(logged[k][2], inv)).ToString("F2", inv)} % (clipped {(100 * double.Parse(logged[k][3], inv)).ToString("F2", inv)} %{tail})",
                         validations[k].ValidationSummary);
        }
    }

    [Fact]
    public void A_resume_refuses_a_changed_fab_buffer_by_name()
    {
        // The buffer file is checksummed like the weights: an edited one would silently change the run.
        using var dir = new TempDir();
        string baseModel = BaseModel(dir, map: BoltzmannGen.Tests.Coordinates.CoordinateData.AldpMap, name: "internal");
        var (system, config) = (EnergyFixtures.System("aldp"), BufferedFab);
        string folder = Path.Combine(dir.Path, "run");
        using (var stop = new CancellationTokenSource())
            Assert.Throws<OperationCanceledException>(() => FineTuner.Run(new FineTuneRequest(baseModel, folder, system, config), new StopAt(3, stop), stop.Token));
        string buffer = Path.Combine(folder, ModelDirectory.CheckpointFolder, "fab_buffer.bin");
        var bytes = File.ReadAllBytes(buffer);
        bytes[^1] ^= 0x40;
        File.WriteAllBytes(buffer, bytes);
        var error = Assert.Throws<InputException>(() => FineTuner.Run(new FineTuneRequest(baseModel, folder, system, config, Resume: true)));
        Assert.StartsWith($"{buffer} does not match its checksum", error.Message);
        Assert.False(File.Exists(Path.Combine(folder, ModelDirectory.InfoFile)));
    }

    [Fact]
    public void A_fine_tuned_model_can_be_fine_tuned_again_with_the_training_config_of_the_original_flow()
    {
        using var dir = new TempDir();
        string baseModel = BaseModel(dir);
        // The base flow's training config, with a key the anchors read set away from its default.
        string trained = new BoltzmannGen.Training.TrainingConfig { TargetNoise = 0.003 }.ToYaml();
        File.WriteAllText(Path.Combine(baseModel, ModelDirectory.ConfigFile), trained);
        var system = EnergyFixtures.System("aldp");
        string once = Path.Combine(dir.Path, "once"), twice = Path.Combine(dir.Path, "twice");
        FineTuner.Run(new FineTuneRequest(baseModel, once, system, Tiny));
        Assert.Contains("reweighted_ml:", File.ReadAllText(Path.Combine(once, ModelDirectory.ConfigFile))); // its own config is fine-tuning's
        FineTuner.Run(new FineTuneRequest(once, twice, system, Tiny));
        Assert.Equal(trained, File.ReadAllText(Path.Combine(once, FineTuner.TrainingConfigFile)));
        Assert.Equal(trained, File.ReadAllText(Path.Combine(twice, FineTuner.TrainingConfigFile)));

        // A folder fine-tuned before the copy existed: the config comes from the model it was fine-tuned from.
        File.Delete(Path.Combine(once, FineTuner.TrainingConfigFile));
        string thrice = Path.Combine(dir.Path, "thrice");
        FineTuner.Run(new FineTuneRequest(once, thrice, system, Tiny));
        Assert.Equal(trained, File.ReadAllText(Path.Combine(thrice, FineTuner.TrainingConfigFile)));

        // Neither the carried copy nor the parent: refused by name, nothing written.
        Directory.Delete(baseModel, recursive: true);
        string orphan = Path.Combine(dir.Path, "orphan");
        var e = Assert.Throws<InputException>(() => FineTuner.Run(new FineTuneRequest(once, orphan, system, Tiny)));
        Assert.Contains("which is gone", e.Message);
        Assert.Contains(baseModel, e.Message);
        Assert.False(Directory.Exists(orphan));
    }

    [Theory]
    [InlineData("reverse_kl=0 reweighted_ml=0", "every objective weight is zero")]
    [InlineData("objective=fancy", "unknown key 'objective'")]
    [InlineData("reverse_kl=-1", "negative")]
    [InlineData("fort=1", "--targets")]
    [InlineData("md_ml=1", "md_ml > 0 needs --data")]
    [InlineData("md_ml=-1", "negative")]
    [InlineData("md_pooled_runs=true", "give md_ml a positive weight")]
    [InlineData("md_ml=1 md_phi_positive_weight=0", "md_phi_positive_weight must be between 1")]
    [InlineData("md_phi_positive_weight=4", "md_phi_positive_weight reweights the md_ml term's frames: give md_ml a positive weight too")]
    [InlineData("ml_resample=-1", "ml_resample must be between 0")]
    [InlineData("reweighted_ml=0 reverse_kl=1 ml_resample=64", "give reweighted_ml a positive weight")]
    [InlineData("fab=-0.5", "none may be negative")]
    [InlineData("fab=1 fab_particles=1", "fab_particles must be between 2")]
    [InlineData("fab=1 fab_steps=0", "fab_steps must be between 1")]
    [InlineData("fab=1 fab_moves=0", "fab_moves must be between 1")]
    [InlineData("fab=1 fab_step_size=0", "fab_step_size must be positive")]
    [InlineData("fab=1 fab_particles=64 fab_buffer=32", "fab_buffer must be 0 (no buffer) or hold one annealing's fab_particles (64)")]
    [InlineData("fab=1 fab_every=4", "fab_every > 1 reuses annealings through the replay buffer")]
    [InlineData("fab=1 fab_buffer=1024 fab_batch=0", "fab_batch must be between 1")]
    [InlineData("fab_buffer=1024", "give fab a positive weight too")]
    public void Bad_options_are_refused_with_nothing_written(string overrides, string expected)
    {
        using var dir = new TempDir();
        string baseModel = BaseModel(dir);
        string output = Path.Combine(dir.Path, "out");
        var (code, error) = Run(["finetune", "--model", baseModel, "--out", output, "--forcefields", EnergyFixtures.Catalog.ForceFieldsDirectory,
                                 .. overrides.Split(' ')]);
        Assert.Equal(2, code);
        Assert.Contains(expected, error);
        Assert.StartsWith("error:", error);
        Assert.False(Directory.Exists(output), "nothing may be written for refused options");
    }

    [Fact]
    public void A_model_of_another_system_is_refused_with_nothing_written()
    {
        using var dir = new TempDir();
        string baseModel = BaseModel(dir, "aldp");
        string output = Path.Combine(dir.Path, "out");
        var (code, error) = Run(["finetune", "--model", baseModel, "--system", "al4", "--out", output, "--forcefields", EnergyFixtures.Catalog.ForceFieldsDirectory]);
        Assert.Equal(2, code);
        Assert.Contains("model of aldp", error);
        Assert.False(Directory.Exists(output));
    }

    private static (int Code, string Error) Run(string[] args) => InProcessBgen.Capture(args);
}
