using System.Globalization;
using BoltzmannGen.Flows;
using BoltzmannGen.Optimisation;
using BoltzmannGen.Tests.Support;
using BoltzmannGen.Tests.Training;
using BoltzmannGen.Training;
using static TorchSharp.torch;

namespace BoltzmannGen.Tests.Optimisation;

/// <summary>
/// keep: best keeps the averaged weights of the validation with the lowest score; keep: last those of the final step.
/// The pairs are built so that training moves away from the validation pairs (the held-out 5 % map x0 to itself,
/// the rest to a shifted, stretched Gaussian), so the best validation is early and differs from the last.
/// </summary>
public class BestWeightsTests
{
    private const int Steps = 40, ValEvery = 5, PairCount = 1000;

    private static (Tensor X0, Tensor X1) DivergingPairs()
    {
        var (x0, x1) = FortAndMleToyTests.Pairs(PairCount, 21);
        int validation = (int)(PairCount * 0.05);
        x1[(PairCount - validation)..] = x0[(PairCount - validation)..];
        return (x0, x1);
    }

    private static (int Step, double ValLoss)[] Validations(string directory) =>
        File.ReadAllLines(Path.Combine(directory, ModelDirectory.LogFile)).Skip(1)
            .Select(l => l.Split(','))
            .Where(f => f[4].Length > 0)
            .Select(f => (int.Parse(f[0], CultureInfo.InvariantCulture), double.Parse(f[4], CultureInfo.InvariantCulture)))
            .ToArray();

    /// <summary>Trains the toy flow on the diverging pairs with the given keep rule into <paramref name="directory"/>.</summary>
    private static (TrainingConfig Config, Tensor X0, Tensor X1) Train(string directory, string keep)
    {
        var c = FortAndMleToyTests.Config("fort", "nsf", Steps) with { ValEvery = ValEvery, LogEvery = ValEvery, Keep = keep };
        var (x0, x1) = DivergingPairs();
        new FlowTrainer(directory, c, FortAndMleToyTests.Info("nsf", c)).Train(m => new FortObjective(m, x0, x1, c), resume: false);
        return (c, x0, x1);
    }

    private static double ReloadedValidationLoss(string directory, Tensor x0, Tensor x1, TrainingConfig c)
    {
        var (model, _) = ModelDirectory.Load(directory);
        using var objective = new FortObjective(model, x0, x1, c);
        return objective.ValidationLoss(model);
    }

    [Fact]
    public void Keep_best_keeps_the_weights_of_the_lowest_validation_and_says_which()
    {
        using var dir = new TempDir();
        var (c, x0, x1) = Train(dir.Path, "best");

        var validations = Validations(dir.Path);
        Assert.Equal(Steps / ValEvery, validations.Length);
        var lowest = validations.MinBy(v => v.ValLoss);
        Assert.True(lowest.Step < Steps, $"the construction should make an early validation best; the log says step {lowest.Step}");

        var info = ModelDirectory.ReadInfo(dir.Path);
        Assert.Equal(lowest.Step, info.KeptStep);
        Assert.Contains($"step {lowest.Step}", info.Weights);
        // The saved weights reproduce the logged lowest validation loss (float32 forward pass, same pairs).
        Assert.Equal(lowest.ValLoss, ReloadedValidationLoss(dir.Path, x0, x1, c), 4);
    }

    [Fact]
    public void Keep_last_keeps_the_final_weights()
    {
        using var dir = new TempDir();
        var (c, x0, x1) = Train(dir.Path, "last");

        var info = ModelDirectory.ReadInfo(dir.Path);
        Assert.Null(info.KeptStep);
        Assert.Equal(Validations(dir.Path)[^1].ValLoss, ReloadedValidationLoss(dir.Path, x0, x1, c), 4);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, BestWeights.FolderName)));
    }

    [Fact]
    public void An_unknown_keep_rule_is_refused_by_name()
    {
        var e = Assert.Throws<InputException>(() => TrainingConfig.Load(null, ["keep=first"]));
        Assert.Contains("keep 'first'", e.Message);
    }
}
