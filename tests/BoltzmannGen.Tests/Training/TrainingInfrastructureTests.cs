using BoltzmannGen.Optimisation;
using BoltzmannGen.Tests.Support;
using BoltzmannGen.Training;
using TorchSharp;

namespace BoltzmannGen.Tests.Training;

public class TrainingConfigTests
{
    [Fact]
    public void Yaml_values_are_read_and_command_line_overrides_win()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("c.yaml"), "arch: resnvp\nsteps: 3000\nlearning_rate: 0.001\nrandom_rotations: false\n");
        var c = TrainingConfig.Load(dir.File("c.yaml"), ["steps=42", "lambda_fb=0.5"]);
        Assert.Equal("resnvp", c.Arch);
        Assert.Equal(42, c.Steps);
        Assert.Equal(0.001, c.LearningRate);
        Assert.Equal(0.5, c.LambdaFb);
        Assert.False(c.RandomRotations);
        Assert.Equal(new TrainingConfig().BatchSize, c.BatchSize); // untouched keys keep defaults
    }

    [Fact]
    public void The_resolved_config_round_trips_through_yaml()
    {
        using var dir = new TempDir();
        var c = TrainingConfig.Load(null, ["arch=tarflow", "target_noise=0.01"]);
        File.WriteAllText(dir.File("resolved.yaml"), c.ToYaml());
        Assert.Equal(c, TrainingConfig.Load(dir.File("resolved.yaml"), []));
    }

    [Theory]
    [InlineData("stepz=10", "stepz")]
    [InlineData("steps=0", "steps")]
    [InlineData("objective=kl", "objective")]
    [InlineData("nonsense", "key=value")]
    public void Bad_keys_and_values_are_named(string option, string named)
    {
        var e = Assert.Throws<InputException>(() => TrainingConfig.Load(null, [option]));
        Assert.Contains(named, e.Message);
    }

    [Fact]
    public void Missing_config_file_is_named()
    {
        var e = Assert.Throws<InputException>(() => TrainingConfig.Load("/nonexistent/run.yaml", []));
        Assert.Contains("/nonexistent/run.yaml", e.Message);
    }
}

public class ScheduleAndEmaTests
{
    [Fact]
    public void Warmup_is_linear_and_cosine_reaches_the_floor()
    {
        Assert.Equal(0.1, LearningRateSchedule.At(0, 1000, 1.0, 10, 0.0), 12);
        Assert.Equal(1.0, LearningRateSchedule.At(9, 1000, 1.0, 10, 0.0), 12);
        // Halfway through the cosine part the rate is the mean of base and floor.
        Assert.Equal(0.55, LearningRateSchedule.At(10 + 495, 1000, 1.0, 10, 0.1), 12);
        Assert.Equal(0.1, LearningRateSchedule.At(1000, 1000, 1.0, 10, 0.1), 12);
    }

    [Fact]
    public void EMA_of_a_constant_parameter_approaches_it_geometrically()
    {
        using var module = torch.nn.Linear(1, 1, hasBias: false);
        using (torch.no_grad()) module.weight!.fill_(0.0);
        using var ema = new ExponentialMovingAverage(module, 0.9);
        using (torch.no_grad()) module.weight!.fill_(1.0);
        for (int k = 0; k < 5; k++) ema.Update(module);
        using var copy = torch.nn.Linear(1, 1, hasBias: false);
        ema.CopyTo(copy);
        // shadow_k = p + decay^k (s0 − p) with s0 = 0, p = 1.
        Assert.Equal(1 - Math.Pow(0.9, 5), copy.weight!.item<float>(), 6);
    }
}

public class ShippedConfigTests
{
    [Theory]
    [InlineData("train-fort.yaml", "fort")]
    [InlineData("train-mle.yaml", "mle")]
    public void Shipped_configs_load_with_their_objective(string file, string objective)
    {
        var path = Path.Combine(FixturePath.Get(""), "..", "..", "..", "configs", file);
        Assert.Equal(objective, TrainingConfig.Load(path, []).Objective);
    }
}
