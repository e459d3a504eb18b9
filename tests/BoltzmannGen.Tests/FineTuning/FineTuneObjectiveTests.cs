using BoltzmannGen.FineTuning;
using BoltzmannGen.Flows;
using BoltzmannGen.Optimisation;
using BoltzmannGen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace BoltzmannGen.Tests.FineTuning;

/// <summary>
/// The fine-tuning loss terms on an analytic Gaussian target, where the answer is known exactly: reverse KL and
/// reweighted ML each drive a flow to the target's mean and covariance, and poisoned samples (NaN, ∞ energies,
/// NaN forces) neither break the gradient nor receive weight.
/// </summary>
public class FineTuneObjectiveTests
{
    private const int Atoms = 3;

    private static BoltzmannFlow Flow(long seed)
    {
        var model = BoltzmannFlow.Create(Atoms, 1.0, "resnvp", new FlowHyperparameters { Layers = 4, HiddenWidth = 32, ResidualBlocks = 1, Seed = (int)seed });
        model.to(float64);
        return model;
    }

    private static FineTuneConfig Config(double reverseKl, double reweightedMl) => new()
    {
        ReverseKl = reverseKl, ReweightedMl = reweightedMl, BatchSize = 512, WeightClip = 0, EnergyCap = 1e6,
    };

    private static void Train(BoltzmannFlow model, FineTuneObjective objective, int steps, double learningRate)
    {
        var optimizer = new AdamW(model.parameters(), learningRate, 0);
        using var g = new Generator(5);
        for (int s = 0; s < steps; s++)
        {
            using var fence = FinalizerFence.Enter();
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            objective.Loss(model, g).backward();
            optimizer.step();
        }
    }

    /// <summary>Sample mean of the centred positions per coordinate, and variance per axis (pooled over atoms).</summary>
    private static (double[] Mean, double[] AxisVariance) Moments(BoltzmannFlow model, int n)
    {
        using var _ = no_grad();
        using var g = new Generator(77);
        var (x, _) = model.Sample(n, g);
        var v = x.to(float64).contiguous().data<double>().ToArray();
        var mean = new double[3 * Atoms];
        for (int f = 0; f < n; f++) for (int k = 0; k < 3 * Atoms; k++) mean[k] += v[f * 3 * Atoms + k] / n;
        var variance = new double[3];
        for (int f = 0; f < n; f++)
            for (int i = 0; i < Atoms; i++)
                for (int a = 0; a < 3; a++)
                {
                    double d = v[f * 3 * Atoms + 3 * i + a] - mean[3 * i + a];
                    variance[a] += d * d / (n * Atoms);
                }
        return (mean, variance);
    }

    private static void AssertMatchesTarget(BoltzmannFlow model, GaussianTarget target)
    {
        var (mean, variance) = Moments(model, 20000);
        for (int k = 0; k < mean.Length; k++)
            Assert.True(Math.Abs(mean[k] - target.Template[k]) < 0.05, $"mean[{k}] = {mean[k]:F4}, target {target.Template[k]:F4}");
        for (int a = 0; a < 3; a++)
        {
            double exact = target.Sigma[a] * target.Sigma[a] * (1 - 1.0 / Atoms);
            Assert.True(Math.Abs(variance[a] / exact - 1) < 0.08, $"axis {a}: variance {variance[a]:F4}, exact {exact:F4}");
        }
    }

    [Fact]
    public void Reverse_kl_alone_converges_to_the_targets_mean_and_covariance()
    {
        var target = new GaussianTarget(Atoms, GaussianTarget.CentredTemplate(Atoms), [0.5, 0.8, 1.4]);
        var model = Flow(3);
        var before = Moments(model, 4000);
        Assert.True(Math.Abs(before.AxisVariance[0] / (0.25 * 2 / 3) - 1) > 0.5, "the untrained flow must start away from the target");
        Train(model, new FineTuneObjective(target, Config(1, 0), null), 600, 1e-2);
        AssertMatchesTarget(model, target);
        Assert.Equal(600L * 512, target.Evaluations);
    }

    [Fact]
    public void Reweighted_ml_recovers_the_target_from_a_wrong_but_overlapping_proposal()
    {
        // The identity flow proposes N(0, I) in the centred subspace: the target is shifted and has other spreads.
        var target = new GaussianTarget(Atoms, GaussianTarget.CentredTemplate(Atoms), [0.7, 1.2, 0.9]);
        var model = Flow(4);
        Train(model, new FineTuneObjective(target, Config(0, 1), null), 600, 1e-2);
        AssertMatchesTarget(model, target);
    }

    [Fact]
    public void Reweighted_ml_by_resampling_256_of_512_draws_also_recovers_the_target()
    {
        var target = new GaussianTarget(Atoms, GaussianTarget.CentredTemplate(Atoms), [0.7, 1.2, 0.9]);
        var model = Flow(4);
        Train(model, new FineTuneObjective(target, Config(0, 1) with { MlResample = 256 }, null), 600, 1e-2);
        AssertMatchesTarget(model, target);
    }

    [Fact]
    public void Fab_alone_recovers_the_target_from_a_wrong_but_overlapping_proposal()
    {
        // Annealing towards p²/q (α = 2) and fitting the particles with their AIS weights moves q to p: at q = p the
        // weights are constant and ∫p²/q is smallest. The batch of 512 draws is scored but carries no gradient here.
        var target = new GaussianTarget(Atoms, GaussianTarget.CentredTemplate(Atoms), [0.7, 1.2, 0.9]);
        var model = Flow(4);
        var config = Config(0, 0) with { Fab = 1, FabParticles = 128, FabSteps = 2, BatchSize = 2 };
        Train(model, new FineTuneObjective(target, config, null), 300, 1e-2);
        AssertMatchesTarget(model, target);
    }

    [Fact]
    public void Fab_with_a_replay_buffer_recovers_the_target_with_one_annealing_every_four_steps()
    {
        // Same toy as above, but the gradient steps draw 128 particles from a buffer of the last 8 annealings in
        // proportion to their weights, corrected by q_old/q for the steps taken since they were weighted. Without
        // that correction the stale particles would pull q back towards where it was.
        var target = new GaussianTarget(Atoms, GaussianTarget.CentredTemplate(Atoms), [0.7, 1.2, 0.9]);
        var model = Flow(4);
        var config = Config(0, 0) with { Fab = 1, FabParticles = 128, FabSteps = 2, BatchSize = 2, FabBuffer = 1024, FabEvery = 4, FabBatch = 128 };
        Train(model, new FineTuneObjective(target, config, null, dimension: model.Dimension), 300, 1e-2);
        AssertMatchesTarget(model, target);
    }

    [Theory]
    [InlineData("ml_resample")]
    [InlineData("fab")]
    public void The_resampling_offset_and_the_annealing_seed_come_from_the_steps_generator(string term)
    {
        // What --resume relies on: a step replayed from the same generator state gives the same loss, bit for bit.
        // On this toy the weights are spread over many draws, so another offset or seed would change the loss.
        var target = new GaussianTarget(Atoms, GaussianTarget.CentredTemplate(Atoms), [0.7, 1.2, 0.9]);
        var model = Flow(4);
        var config = term == "fab" ? Config(0, 0) with { Fab = 1, FabParticles = 64, FabSteps = 2 } : Config(0, 1) with { MlResample = 16 };
        var objective = new FineTuneObjective(target, config, null);
        double Loss(ulong seed)
        {
            using var g = new Generator(seed);
            using var loss = objective.Loss(model, g);
            return loss.item<double>();
        }
        double first = Loss(11);
        Assert.Equal(first, Loss(11));
        Assert.NotEqual(first, Loss(12));
    }

    [Fact]
    public void Resampled_weights_are_counts_of_systematic_draws_and_average_to_the_weights_over_the_offset()
    {
        // Weights 0.6, 0.3, 0.1, 0 (cumulative 0.6, 0.9, 1.0, 1.0) and m = 4 draws: at offset 0.5 the points 0.125,
        // 0.375, 0.625, 0.875 fall at indices 0, 0, 1, 1; at offset 0.9 the points 0.225, 0.475, 0.725, 0.975 at 0, 0, 1, 2.
        double[] w = [0.6, 0.3, 0.1, 0];
        Assert.Equal([0.5, 0.5, 0, 0], FineTuneObjective.Resampled(w, 4, 0.5));
        Assert.Equal([0.5, 0.25, 0.25, 0], FineTuneObjective.Resampled(w, 4, 0.9));
        // Over a uniform offset each count's mean is m·wᵢ exactly (the draws are unbiased); 10,000 offsets on a grid.
        var mean = new double[4];
        for (int k = 0; k < 10000; k++)
        {
            var r = FineTuneObjective.Resampled(w, 4, (k + 0.5) / 10000);
            for (int i = 0; i < 4; i++) mean[i] += r[i] / 10000;
        }
        for (int i = 0; i < 4; i++) Assert.Equal(w[i], mean[i], 3);
    }

    [Fact]
    public void Md_ml_alone_fits_the_frames_it_is_given_and_spends_no_gradient_on_the_flows_draws()
    {
        // Exact samples of the target: template + independent N(0, σ_axis²) per coordinate, centred per frame.
        var target = new GaussianTarget(Atoms, GaussianTarget.CentredTemplate(Atoms), [0.6, 1.3, 0.8]);
        const int n = 4000;
        var frames = new double[n * 3 * Atoms];
        var random = new Random(11);
        for (int f = 0; f < n; f++)
        {
            var c = new double[3];
            for (int i = 0; i < Atoms; i++)
                for (int a = 0; a < 3; a++)
                {
                    double g = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
                    frames[f * 3 * Atoms + 3 * i + a] = target.Template[3 * i + a] + target.Sigma[a] * g;
                    c[a] += frames[f * 3 * Atoms + 3 * i + a] / Atoms;
                }
            for (int i = 0; i < Atoms; i++) for (int a = 0; a < 3; a++) frames[f * 3 * Atoms + 3 * i + a] -= c[a];
        }
        var model = Flow(6);
        using var x = tensor(frames, [n, Atoms, 3], float64);
        using var md = new MleObjective(model, x, x[..2], new TrainingConfig { RandomRotations = false });
        // The flow's draws are scored (and counted) but weigh nothing: reweighted_ml and reverse_kl are off.
        Train(model, new FineTuneObjective(target, Config(0, 0) with { MdMl = 1, MdBatchSize = 512 }, null, md), 600, 1e-2);
        AssertMatchesTarget(model, target);
    }

    [Fact]
    public void Md_ml_without_frames_is_refused()
    {
        var target = new GaussianTarget(Atoms, GaussianTarget.CentredTemplate(Atoms), [1, 1, 1]);
        var e = Assert.Throws<InputException>(() => new FineTuneObjective(target, Config(0, 1) with { MdMl = 1 }, null));
        Assert.Contains("--data", e.Message);
    }

    [Fact]
    public void Non_finite_energies_and_forces_give_finite_gradients()
    {
        var target = new GaussianTarget(Atoms, GaussianTarget.CentredTemplate(Atoms), [1, 1, 1]);
        target.Poison[0] = double.NaN;
        target.Poison[1] = double.PositiveInfinity;
        target.Poison[2] = -3.0; // a finite energy with NaN forces and an invalid sample
        var model = Flow(5);
        FlowTestSupportPerturb(model);
        var objective = new FineTuneObjective(target, Config(1, 1) with { BatchSize = 16 }, null);
        using var g = new Generator(8);
        var loss = objective.Loss(model, g);
        Assert.True(double.IsFinite(loss.item<double>()), $"loss {loss.item<double>()}");
        loss.backward();
        foreach (var (name, p) in model.named_parameters())
            Assert.True(p.grad is not null && isfinite(p.grad).all().item<bool>(), $"gradient of {name} is not finite");
        var stats = objective.TakeStatistics();
        Assert.Equal(16, stats.Samples);
        Assert.Equal(3, stats.Invalid);
        Assert.Equal(2, stats.NonFinite);
    }

    [Fact]
    public void A_batch_where_every_sample_is_invalid_gives_a_zero_gradient_not_a_failed_backward_pass()
    {
        var target = new GaussianTarget(Atoms, GaussianTarget.CentredTemplate(Atoms), [1, 1, 1]);
        for (int i = 0; i < 16; i++) target.Poison[i] = double.NaN;
        var model = Flow(6);
        var objective = new FineTuneObjective(target, Config(0, 1) with { BatchSize = 16 }, null);
        using var g = new Generator(9);
        var loss = objective.Loss(model, g);
        Assert.Equal(0.0, loss.item<double>());
        loss.backward();
        foreach (var (name, p) in model.named_parameters())
            Assert.True(p.grad is not null && p.grad.abs().max().to(float64).item<double>() == 0, $"gradient of {name} should be exactly zero");
    }

    [Fact]
    public void Invalid_and_non_finite_samples_get_no_weight_and_the_top_weights_are_clipped()
    {
        double[] reduced = [1.0, double.NaN, double.PositiveInfinity, 2.0, 0.5, 3.0];
        double[] logQ = [0.0, 0.0, 0.0, double.NaN, 0.0, -10.0];
        bool[] valid = [true, true, true, true, false, true];
        var w = FineTuneObjective.SelfNormalisedWeights(reduced, logQ, valid, clipTop: 0);
        // Brute force: only samples 0 and 5 are usable, log w = −1 and 7.
        double z = Math.Exp(-1) + Math.Exp(7);
        Assert.Equal(new[] { Math.Exp(-1) / z, 0, 0, 0, 0, Math.Exp(7) / z }, w, (a, b) => Math.Abs(a - b) < 1e-12);
        // Clipping the top 1 of 6 (≥ 1/6) caps sample 5's log-weight at the next one: both weigh ½.
        var clipped = FineTuneObjective.SelfNormalisedWeights(reduced, logQ, valid, clipTop: 0.2);
        Assert.Equal(0.5, clipped[0], 12);
        Assert.Equal(0.5, clipped[5], 12);
    }

    [Fact]
    public void The_energy_cap_is_the_identity_below_the_threshold_and_logarithmic_above_with_a_continuous_slope()
    {
        Assert.Equal(5.0, EnergyCap.Value(5, 10));
        Assert.Equal(10 + Math.Log(91), EnergyCap.Value(100, 10), 12);
        Assert.Equal(1.0 / 91, EnergyCap.Slope(100, 10), 12);
        // Finite differences of the value agree with the slope on both sides of the threshold.
        foreach (double u in new[] { 9.0, 10.5, 1e4 })
            Assert.Equal((EnergyCap.Value(u + 1e-6, 10) - EnergyCap.Value(u - 1e-6, 10)) / 2e-6, EnergyCap.Slope(u, 10), 6);
    }

    private static void FlowTestSupportPerturb(BoltzmannFlow model) => BoltzmannGen.Tests.Flows.FlowTestSupport.Perturb(model, 0.05, 11);
}
