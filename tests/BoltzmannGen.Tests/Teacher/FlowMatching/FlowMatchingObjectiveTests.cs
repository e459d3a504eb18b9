using BoltzmannGen.Teacher;
using BoltzmannGen.Teacher.FlowMatching;
using BoltzmannGen.Teacher.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace BoltzmannGen.Tests.Teacher.FlowMatching;

/// <summary>
/// The flow-matching loss against closed forms. With the prior x0 ~ N(0, P) and data x1 ~ N(0, s²P) (P the
/// projector onto the CoM-free subspace, D − 3 dimensions), independent pairs and x_t = (1 − t)x0 + t x1 + σε,
/// u = x1 − x0 and x_t are jointly Gaussian, so the best field is E[u | x_t] = c(t)·x_t with
/// c(t) = (t s² − (1 − t)) / ((1 − t)² + t² s² + σ²), and the minimum loss per coordinate is
/// (D − 3)/D · ∫₀¹ [(1 + s²) − (t s² − (1 − t))² / ((1 − t)² + t² s² + σ²)] dt. For σ = 0 the integrand simplifies
/// to s² / ((1 − t)² + t² s²), whose integral is π s / 2 (worked by hand: complete the square, two arctangents
/// that add to π/2). A zero field scores (1 + s²)(D − 3)/D.
/// </summary>
public class FlowMatchingObjectiveTests
{
    private const int Atoms = 4, D = 3 * Atoms;

    private sealed class LinearField(int dimension, Func<double, double> coefficient) : IVelocityField
    {
        public int Dimension => dimension;

        public Tensor Velocity(Tensor x, Tensor t)
        {
            var c = t.to(float64).data<double>().Select(coefficient).ToArray();
            return x * tensor(c, [c.Length, 1], float64).to(x.dtype, x.device);
        }
    }

    private static Tensor GaussianFrames(int n, double s, ulong seed)
    {
        using var g = new Generator(seed);
        var x = randn([n, Atoms, 3], generator: g, dtype: float64) * s;
        return (x - x.mean([1], keepdim: true)).reshape(n, D);
    }

    private static double Minimum(double s, double sigma)
    {
        // Composite Simpson on [0, 1], 2000 intervals (the integrand is smooth and bounded).
        const int m = 2000;
        double F(double t)
        {
            double a = 1 - t, cov = t * s * s - a, var = a * a + t * t * s * s + sigma * sigma;
            return 1 + s * s - cov * cov / var;
        }
        double sum = F(0) + F(1);
        for (int k = 1; k < m; k++) sum += (k % 2 == 1 ? 4 : 2) * F(k / (double)m);
        return sum / (3 * m) * (D - 3) / D;
    }

    [Fact]
    public void Optimal_field_on_gaussian_data_reaches_the_analytic_minimum_and_wrong_fields_score_worse()
    {
        const double s = 0.7;
        double analytic = (D - 3) / (double)D * Math.PI * s / 2;
        Assert.Equal(analytic, Minimum(s, 0), 1e-6); // the two closed forms agree
        using var scope = NewDisposeScope();
        using var objective = new FlowMatchingObjective(GaussianFrames(1000, s, 1), CouplingKind.Independent);
        var validation = GaussianFrames(20000, s, 2);
        double C(double t) => (t * s * s - (1 - t)) / ((1 - t) * (1 - t) + t * t * s * s);

        double best = objective.ValidationLoss(new LinearField(D, C), validation, seed: 3, batchSize: 5000);
        double zero = objective.ValidationLoss(new LinearField(D, _ => 0), validation, seed: 3, batchSize: 5000);
        double off = objective.ValidationLoss(new LinearField(D, t => 1.3 * C(t)), validation, seed: 3, batchSize: 5000);
        Assert.True(Math.Abs(best - analytic) < 0.02 * analytic, $"optimal field loss {best:F4} vs analytic {analytic:F4}");
        double zeroExpected = (1 + s * s) * (D - 3) / D;
        Assert.True(Math.Abs(zero - zeroExpected) < 0.02 * zeroExpected, $"zero field loss {zero:F4} vs {zeroExpected:F4}");
        Assert.True(off > best + 0.01, $"a wrong coefficient should score worse ({off:F4} vs {best:F4})");
    }

    [Fact]
    public void Path_noise_sigma_enters_as_mean_free_gaussian_noise_with_the_predicted_minimum()
    {
        const double s = 0.5, sigma = 0.6;
        double expected = Minimum(s, sigma);
        using var scope = NewDisposeScope();
        using var objective = new FlowMatchingObjective(GaussianFrames(1000, s, 4), CouplingKind.Independent, sigma);
        var validation = GaussianFrames(20000, s, 5);
        double C(double t) => (t * s * s - (1 - t)) / ((1 - t) * (1 - t) + t * t * s * s + sigma * sigma);
        double best = objective.ValidationLoss(new LinearField(D, C), validation, seed: 6, batchSize: 5000);
        Assert.True(Math.Abs(best - expected) < 0.02 * expected, $"loss with σ = {sigma}: {best:F4} vs predicted {expected:F4}");
        // The σ = 0 minimum for this s is clearly different, so the noise is really there.
        Assert.True(Math.Abs(Minimum(s, 0) - expected) > 0.1 * expected);
    }

    [Fact]
    public void Validation_loss_is_deterministic_and_training_batches_follow_the_generator()
    {
        using var scope = NewDisposeScope();
        using var objective = new FlowMatchingObjective(GaussianFrames(500, 0.7, 7), CouplingKind.Ot, sigma: 0.05, randomRotations: true);
        var field = new LinearField(D, t => t - 1);
        var validation = GaussianFrames(300, 0.7, 8);
        Assert.Equal(objective.ValidationLoss(field, validation, seed: 1, batchSize: 64), objective.ValidationLoss(field, validation, seed: 1, batchSize: 64));
        using var g1 = new Generator(42);
        using var g2 = new Generator(42);
        double a = objective.Loss(field, 64, g1).item<double>();
        double b = objective.Loss(field, 64, g2).item<double>();
        double c = objective.Loss(field, 64, g1).item<double>();
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Random_rotations_are_applied_to_the_pairs()
    {
        // One frame μ repeated. Without rotations the field v(x, t) = (μ − x)/(1 − t) is exact (x_t = (1 − t)x0 + tμ,
        // u = μ − x0), so the loss is ~0; with rotations the frames are rotated copies of μ and it is not.
        double[] mu = [1.0, 0.2, -0.3, -0.4, 0.9, 0.1, -0.5, -0.6, 0.7, -0.1, -0.5, -0.5];
        using var scope = NewDisposeScope();
        var frames = tensor(mu, [1, D], float64).expand(200, D).contiguous();
        var muT = tensor(mu, [1, D], float64);
        var exact = new DelegateField(D, (x, t) => (muT - x) / (1 - t.unsqueeze(1)));
        using var plain = new FlowMatchingObjective(frames, CouplingKind.Independent);
        using var rotated = new FlowMatchingObjective(frames, CouplingKind.Independent, randomRotations: true);
        using var g = new Generator(3);
        double lossPlain = plain.Loss(exact, 128, g).item<double>();
        double lossRotated = rotated.Loss(exact, 128, g).item<double>();
        Assert.True(lossPlain < 1e-8, $"unrotated loss {lossPlain:G3}");
        Assert.True(lossRotated > 0.1, $"rotated loss {lossRotated:G3}");
    }

    private sealed class DelegateField(int dimension, Func<Tensor, Tensor, Tensor> f) : IVelocityField
    {
        public int Dimension => dimension;
        public Tensor Velocity(Tensor x, Tensor t) => f(x, t);
    }

    /// <summary>Three atoms near a fixed triangle (std 0.05): the data is nearly a point, so a trained field beats an untrained one by far.</summary>
    private static Tensor Triangle(int n, ulong seed)
    {
        using var g = new Generator(seed);
        var mu = tensor(new float[] { 1.2f, 0.1f, -0.2f, -0.7f, 0.9f, 0.3f, -0.5f, -1.0f, -0.1f }, [1, 3, 3]);
        var x = mu + 0.05f * randn([n, 3, 3], generator: g);
        return (x - x.mean([1], keepdim: true)).reshape(n, 9);
    }

    private static (double Before, double After) Train(VelocityNetwork net, CouplingKind coupling, bool rotations, int steps, double lr, int batch)
    {
        using var scope = NewDisposeScope();
        using var objective = new FlowMatchingObjective(Triangle(2000, 1), coupling, randomRotations: rotations);
        var validation = Triangle(512, 2);
        double before = objective.ValidationLoss(net, validation, seed: 9);
        using var optimizer = optim.Adam(net.parameters(), lr);
        using var g = new Generator(4);
        for (int step = 0; step < steps; step++)
        {
            using var stepScope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = objective.Loss(net, batch, g);
            loss.backward();
            optimizer.step();
        }
        return (before, objective.ValidationLoss(net, validation, seed: 9));
    }

    [Fact]
    public void Mlp_training_for_200_steps_on_a_three_atom_toy_lowers_the_validation_loss()
    {
        using var net = VelocityNetworks.Create("mlp", new AtomFeatures([0, 1, 2], [0, 0, 0]), new VelocityHyperparameters { Layers = 2, Hidden = 64, Seed = 1 });
        var (before, after) = Train(net, CouplingKind.Independent, rotations: false, steps: 200, lr: 3e-3, batch: 64);
        Assert.True(after < 0.5 * before, $"validation loss {before:F4} → {after:F4}");
    }

    [Fact]
    public void Egnn_training_for_60_steps_with_equivariant_ot_and_rotations_lowers_the_validation_loss()
    {
        var features = new AtomFeatures([0, 1, 2], [0, 0, 0], [(0, 1), (1, 2)]);
        using var net = VelocityNetworks.Create("egnn", features, new VelocityHyperparameters { Layers = 2, Hidden = 32, Seed = 1 });
        var (before, after) = Train(net, CouplingKind.EquivariantOt, rotations: true, steps: 60, lr: 3e-3, batch: 32);
        Assert.True(after < 0.5 * before, $"validation loss {before:F4} → {after:F4}");
    }

    [Fact]
    public void Bad_data_names_and_batch_sizes_throw_clear_exceptions()
    {
        using var scope = NewDisposeScope();
        using var objective = new FlowMatchingObjective(GaussianFrames(10, 1, 1), CouplingKind.Ot);
        var field = new LinearField(D, _ => 0);
        using var g = new Generator(1);
        var wrong = Assert.Throws<ArgumentException>(() => objective.Loss(new LinearField(9, _ => 0), 4, g));
        Assert.Contains("D = 12", wrong.Message);
        var tooBig = Assert.Throws<ArgumentOutOfRangeException>(() => objective.Loss(field, 11, g));
        Assert.Contains("10", tooBig.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => objective.Loss(field, 0, g));
        Assert.Throws<ArgumentException>(() => objective.ValidationLoss(field, zeros(5, 9)));
        Assert.Throws<ArgumentException>(() => new FlowMatchingObjective(zeros(5, 10), CouplingKind.Ot));
        Assert.Throws<ArgumentException>(() => new FlowMatchingObjective(zeros(5, 4, 2), CouplingKind.Ot));
        Assert.Throws<ArgumentException>(() => new FlowMatchingObjective(zeros(0, 12), CouplingKind.Ot));
        Assert.Throws<ArgumentException>(() => new FlowMatchingObjective(full([3, 12], double.NaN), CouplingKind.Ot));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FlowMatchingObjective(zeros(5, 12), CouplingKind.Ot, sigma: -1));
        Assert.Throws<ArgumentException>(() => Couplings.Parse("exact"));
        // (frames, atoms, 3) input is accepted and flattened.
        using var shaped = new FlowMatchingObjective(zeros(5, Atoms, 3), CouplingKind.Independent);
        Assert.Equal(D, shaped.Dimension);
    }
}
