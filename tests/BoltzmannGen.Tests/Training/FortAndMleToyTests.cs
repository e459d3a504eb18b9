using BoltzmannGen.Flows;
using BoltzmannGen.Tests.Support;
using BoltzmannGen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace BoltzmannGen.Tests.Training;

/// <summary>
/// A problem with a known answer: 3 "atoms" (D = 6 centred coordinates) whose target distribution is the
/// Gaussian u1 = μ + σ ⊙ u0 of the prior draw u0. The exact OT map is that affine map, so FORT on the pairs
/// (u0, μ + σ ⊙ u0) and MLE on samples of u1 must both learn it: sample moments and log q on fresh samples are
/// compared with the closed form.
/// </summary>
public class FortAndMleToyTests
{
    private static readonly double[] Mu = [1.0, -1.0, 0.5, 0.0, 0.3, 2.0];
    private static readonly double[] Sigma = [0.5, 2.0, 1.0, 1.5, 0.7, 1.2];

    internal static TrainingConfig Config(string objective, string arch, int steps) => new()
    {
        Objective = objective, Arch = arch, Steps = steps, BatchSize = 256, LearningRate = 3e-3, WarmupSteps = 20,
        RandomRotations = false, EmaDecay = 0.9, LogEvery = 50, ValEvery = steps, CheckpointEvery = steps, Device = "cpu",
        Layers = 4, Hidden = 32, LambdaLogdet = 0, Seed = 3,
    };

    internal static ModelInfo Info(string arch, TrainingConfig c) => new()
    {
        System = "toy", Atoms = 3, Arch = arch, Scale = 1.0, Objective = c.Objective,
        Hyperparameters = new FlowHyperparameters { Layers = c.Layers, HiddenWidth = c.Hidden, Blocks = 2, Channels = 32, Heads = 2, Seed = 1 },
    };

    /// <summary>(x0, x1) pairs in Cartesian form (n, 3, 3).</summary>
    internal static (Tensor X0, Tensor X1) Pairs(int n, long seed)
    {
        using var coordinates = new CentredCoordinates(3, 1.0);
        using var g = new Generator((ulong)seed);
        var u0 = randn([n, 6], generator: g, dtype: float32);
        var u1 = tensor(Mu.Select(m => (float)m).ToArray()) + tensor(Sigma.Select(s => (float)s).ToArray()) * u0;
        return (coordinates.Embed(u0), coordinates.Embed(u1));
    }

    private static void AssertLearnedTheGaussian(BoltzmannFlow model)
    {
        using var _ = no_grad();
        using var g = new Generator(99);
        var (x, logQ) = model.Sample(20000, g);
        var u = model.Coordinates.Project(x);
        var mean = u.mean([0]).data<float>().ToArray();
        var std = u.std(0).data<float>().ToArray();
        for (int k = 0; k < 6; k++)
        {
            Assert.True(Math.Abs(mean[k] - Mu[k]) < 0.1 * Sigma[k] + 0.02, $"mean[{k}] {mean[k]:F3} vs {Mu[k]}");
            Assert.True(Math.Abs(std[k] - Sigma[k]) < 0.1 * Sigma[k], $"std[{k}] {std[k]:F3} vs {Sigma[k]}");
        }
        // log q on the samples vs the exact Gaussian log density at the same points.
        var z = (u.to(float64) - tensor(Mu)) / tensor(Sigma);
        var exact = (-0.5 * z.pow(2).sum(1) - Sigma.Sum(Math.Log) - 3 * Math.Log(2 * Math.PI)).mean().item<double>();
        double learned = logQ.mean().item<double>();
        Assert.True(Math.Abs(learned - exact) < 0.15, $"mean log q {learned:F3} vs exact {exact:F3}");
    }

    [Fact]
    public void FORT_on_exact_OT_pairs_learns_the_target_distribution()
    {
        using var dir = new TempDir();
        var c = Config("fort", "resnvp", 400);
        var (x0, x1) = Pairs(8000, 5);
        var model = new FlowTrainer(dir.Path, c, Info("resnvp", c)).Train(m => new FortObjective(m, x0, x1, c), resume: false);
        AssertLearnedTheGaussian(model);
    }

    [Fact]
    public void MLE_on_samples_learns_the_same_target()
    {
        using var dir = new TempDir();
        var c = Config("mle", "resnvp", 400);
        var (_, train) = Pairs(8000, 6);
        var (_, val) = Pairs(1000, 7);
        var model = new FlowTrainer(dir.Path, c, Info("resnvp", c)).Train(m => new MleObjective(m, train, val, c), resume: false);
        AssertLearnedTheGaussian(model);
    }

    [Theory]
    [InlineData("resnvp")]
    [InlineData("nsf")]
    [InlineData("tarflow")]
    public void Both_objectives_train_every_architecture(string arch)
    {
        var (x0, x1) = Pairs(2000, 8);
        foreach (var objective in new[] { "fort", "mle" })
        {
            using var dir = new TempDir();
            var c = Config(objective, arch, 60) with { ValEvery = 60, LogEvery = 5 };
            var model = new FlowTrainer(dir.Path, c, Info(arch, c)).Train(
                m => objective == "fort" ? new FortObjective(m, x0, x1, c) : new MleObjective(m, x1, x1[..200], c), resume: false);
            var log = File.ReadAllLines(Path.Combine(dir.Path, ModelDirectory.LogFile)).Skip(1).Select(l => double.Parse(l.Split(',')[1], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            Assert.True(log[^1] < log[0], $"{arch}/{objective}: loss {log[0]} → {log[^1]} did not decrease");
            Assert.Equal(arch, ModelDirectory.Load(dir.Path).Info.Arch);
        }
    }
}
