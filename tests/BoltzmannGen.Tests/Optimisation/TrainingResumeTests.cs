using BoltzmannGen.Flows;
using BoltzmannGen.Optimisation;
using BoltzmannGen.Tests.Support;
using BoltzmannGen.Tests.Training;
using BoltzmannGen.Training;
using static TorchSharp.torch;

namespace BoltzmannGen.Tests.Optimisation;

/// <summary>Training stopped after k steps and resumed ends with exactly the parameters of an uninterrupted 2k-step run.</summary>
public class TrainingResumeTests
{
    private sealed class StopAt(int step, CancellationTokenSource stop) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress p) { if (p.Step >= step) stop.Cancel(); }
    }

    /// <summary>Starts a training in <paramref name="directory"/> and stops it at its step-10 checkpoint.</summary>
    private static void StoppedAt10(string directory, TrainingConfig c, ModelInfo info, Tensor x0, Tensor x1)
    {
        using var stop = new CancellationTokenSource();
        Assert.Throws<OperationCanceledException>(() =>
            new FlowTrainer(directory, c, info).Train(m => new FortObjective(m, x0, x1, c), false, new StopAt(10, stop), stop.Token));
    }

    [Fact]
    public void Stopped_and_resumed_training_matches_an_uninterrupted_run()
    {
        // Validation every 10 steps: the kept (best) weights and their step must also survive the interruption.
        var c = FortAndMleToyTests.Config("fort", "nsf", 40) with { LogEvery = 10, CheckpointEvery = 10, ValEvery = 10, RandomRotations = true, TargetNoise = 0.01 };
        var info = FortAndMleToyTests.Info("nsf", c);
        var (x0, x1) = FortAndMleToyTests.Pairs(1000, 11);
        using var a = new TempDir();
        using var b = new TempDir();
        new FlowTrainer(a.Path, c, info).Train(m => new FortObjective(m, x0, x1, c), resume: false);

        using (var stop = new CancellationTokenSource())
            Assert.Throws<OperationCanceledException>(() =>
                new FlowTrainer(b.Path, c, info).Train(m => new FortObjective(m, x0, x1, c), false, new StopAt(20, stop), stop.Token));
        Assert.False(File.Exists(Path.Combine(b.Path, ModelDirectory.InfoFile)));
        new FlowTrainer(b.Path, c, info).Train(m => new FortObjective(m, x0, x1, c), resume: true);

        var (ma, ia) = ModelDirectory.Load(a.Path);
        var (mb, ib) = ModelDirectory.Load(b.Path);
        Assert.Equal(ia.KeptStep, ib.KeptStep);
        var pb = mb.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, p) in ma.named_parameters())
            Assert.True(p.data<float>().ToArray().SequenceEqual(pb[name].data<float>().ToArray()), $"parameter {name} differs after resume");
        // The log has every logged step exactly once.
        var steps = File.ReadAllLines(Path.Combine(b.Path, ModelDirectory.LogFile)).Skip(1).Select(l => l.Split(',')[0]).ToArray();
        Assert.Equal(new[] { "10", "20", "30", "40" }, steps);
    }

    [Fact]
    public void Resume_without_a_checkpoint_and_a_damaged_checkpoint_are_clear_errors()
    {
        var c = FortAndMleToyTests.Config("fort", "resnvp", 20) with { CheckpointEvery = 10, LogEvery = 10 };
        var info = FortAndMleToyTests.Info("resnvp", c);
        var (x0, x1) = FortAndMleToyTests.Pairs(500, 12);
        using var dir = new TempDir();
        var missing = Assert.Throws<InputException>(() => new FlowTrainer(dir.Path, c, info).Train(m => new FortObjective(m, x0, x1, c), resume: true));
        Assert.Contains("no checkpoint", missing.Message);

        StoppedAt10(dir.Path, c, info, x0, x1);
        File.WriteAllText(Path.Combine(dir.Path, ModelDirectory.CheckpointFolder, "model.dat"), "garbage");
        var damaged = Assert.Throws<InputException>(() => new FlowTrainer(dir.Path, c, info).Train(m => new FortObjective(m, x0, x1, c), resume: true));
        Assert.Contains("model.dat", damaged.Message);

        var again = Assert.Throws<InputException>(() => new FlowTrainer(dir.Path, c, info).Train(m => new FortObjective(m, x0, x1, c), resume: false));
        Assert.Contains("--resume", again.Message);
    }

    [Fact]
    public void A_checkpoint_from_before_a_config_key_existed_resumes_and_a_changed_setting_is_refused()
    {
        var c = FortAndMleToyTests.Config("fort", "resnvp", 20) with { CheckpointEvery = 10, LogEvery = 10 };
        var info = FortAndMleToyTests.Info("resnvp", c);
        var (x0, x1) = FortAndMleToyTests.Pairs(500, 13);
        using var dir = new TempDir();
        StoppedAt10(dir.Path, c, info, x0, x1);

        // An older version wrote no `keep` line (the key came later, with today's default).
        string state = Path.Combine(dir.Path, ModelDirectory.CheckpointFolder, "state.json");
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(state))!;
        string yaml = json["config"]!.GetValue<string>();
        Assert.Contains("keep: best\n", yaml);
        json["config"] = yaml.Replace("keep: best\n", "");
        File.WriteAllText(state, json.ToJsonString());
        new FlowTrainer(dir.Path, c, info).Train(m => new FortObjective(m, x0, x1, c), resume: true);
        Assert.Equal(20, ModelDirectory.ReadInfo(dir.Path).StepsTrained);

        // A setting that differs is still refused.
        using var other = new TempDir();
        StoppedAt10(other.Path, c, info, x0, x1);
        var changed = c with { LearningRate = c.LearningRate / 2 };
        var refused = Assert.Throws<InputException>(() => new FlowTrainer(other.Path, changed, info).Train(m => new FortObjective(m, x0, x1, changed), resume: true));
        Assert.Contains("different config", refused.Message);
    }
}
