using BoltzmannGen.Tests.Support;
using BoltzmannGen.Training;

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
