using BoltzmannGen.Smc;

namespace BoltzmannGen.Tests.Smc;

/// <summary>
/// SMC on analytic latent targets (identity "flow", proposal N(0, I)) against quadrature and closed forms: a tilted
/// double well's population ratio and log Z, a target with a zero-density region, and the unbiasedness of the AIS
/// weights (mean of exp(log w) over independent runs equals Z).
/// </summary>
public class SmcSamplerTests
{
    // u(z) = 3(z₁² − 1)² − 0.8·z₁ + z₂²/(2·0.5²): wells at z₁ ≈ ±1 (the right one deeper by ≈ 1.6 k_BT), barrier 3,
    // and a narrow Gaussian in z₂. The proposal N(0, I) overlaps both wells but has the wrong widths and weights.
    private static (double U, double[] Gradient) DoubleWell(double[] z)
    {
        double a = z[0] * z[0] - 1;
        return (3 * a * a - 0.8 * z[0] + 2 * z[1] * z[1], [12 * a * z[0] - 0.8, 4 * z[1]]);
    }

    private static double DoubleWellU1(double x) => 3 * (x * x - 1) * (x * x - 1) - 0.8 * x;

    /// <summary>Composite Simpson's rule of f on [a, b] with 2·m intervals.</summary>
    private static double Simpson(Func<double, double> f, double a, double b, int m = 20000)
    {
        double h = (b - a) / (2 * m), sum = f(a) + f(b);
        for (int i = 1; i < 2 * m; i++) sum += (i % 2 == 1 ? 4 : 2) * f(a + i * h);
        return sum * h / 3;
    }

    private static (double Mean, double StandardError) MeanAndError(IReadOnlyList<double> values)
    {
        double mean = values.Average();
        double variance = values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1);
        return (mean, Math.Sqrt(variance / values.Count));
    }

    /// <summary>Self-normalised weighted fraction of particles whose first coordinate is positive.</summary>
    private static double RightWellPopulation(SmcResult r)
    {
        var w = new BoltzmannGen.Sampling.ImportanceWeights(r.LogWeights).Normalized();
        int d = r.Particles.Dimension;
        return Enumerable.Range(0, w.Length).Where(i => r.Particles.Z[i * d] > 0).Sum(i => w[i]);
    }

    [Theory]
    [InlineData("fixed")]
    [InlineData("adaptive")]
    public void Double_well_population_ratio_and_log_Z_match_quadrature(string schedule)
    {
        double z1 = Simpson(x => Math.Exp(-DoubleWellU1(x)), -4, 4);
        double right = Simpson(x => Math.Exp(-DoubleWellU1(x)), 0, 4) / z1;
        double exactLogZ = Math.Log(z1) + 0.5 * Math.Log(2 * Math.PI) + Math.Log(0.5);

        var populations = new List<double>();
        var logZs = new List<double>();
        for (int seed = 1; seed <= 8; seed++)
        {
            var options = new SmcOptions
            {
                Particles = 500, MovesPerStep = 2, Seed = (ulong)seed,
                Schedule = schedule == "fixed" ? AnnealingSchedule.Power(10) : AnnealingSchedule.Adaptive(0.9),
            };
            var result = SmcSampler.Run(new AnalyticLatentTarget(2, DoubleWell), options);
            Assert.Equal(1.0, result.Betas[^1]);
            populations.Add(RightWellPopulation(result));
            logZs.Add(result.LogZ);
        }
        var (p, pError) = MeanAndError(populations);
        var (logZ, logZError) = MeanAndError(logZs);
        // The replicates must be precise enough for the comparison to mean something.
        Assert.True(pError < 0.02 && logZError < 0.05, $"replicates too noisy: P ± {pError:F4}, log Z ± {logZError:F4}");
        Assert.True(Math.Abs(p - right) < 4 * pError + 2e-3, $"P(z₁ > 0) = {p:F4} ± {pError:F4}, quadrature {right:F4}");
        // log Ẑ is biased low by about Var/2 (Jensen), far below the statistical error here.
        Assert.True(Math.Abs(logZ - exactLogZ) < 4 * logZError + 5e-3, $"log Z = {logZ:F4} ± {logZError:F4}, quadrature {exactLogZ:F4}");
    }

    [Fact]
    public void Zero_density_region_is_excluded_from_log_Z()
    {
        // Target N(0.3, 0.8²) unnormalised, but every z < −0.5 has zero weight: Z = √(2π)·0.8·Φ(1).
        var target = new AnalyticLatentTarget(1, z => (0.5 * (z[0] - 0.3) * (z[0] - 0.3) / 0.64, [(z[0] - 0.3) / 0.64]), z => z[0] < -0.5);
        double exact = Math.Log(Math.Sqrt(2 * Math.PI) * 0.8 * 0.5 * (1 + Erf(1 / Math.Sqrt(2))));
        var logZs = new List<double>();
        for (int seed = 1; seed <= 6; seed++)
        {
            var result = SmcSampler.Run(target, new SmcOptions { Particles = 1000, Schedule = AnnealingSchedule.Power(8), Seed = (ulong)seed });
            logZs.Add(result.LogZ);
            // No living particle ever entered the forbidden region (MALA rejects such proposals).
            var w = new BoltzmannGen.Sampling.ImportanceWeights(result.LogWeights).Normalized();
            Assert.All(Enumerable.Range(0, w.Length).Where(i => w[i] > 0), i => Assert.True(result.Particles.Z[i] >= -0.5));
        }
        var (logZ, error) = MeanAndError(logZs);
        Assert.True(error < 0.03, $"too noisy: ± {error:F4}");
        // Without the exclusion log Z would be log(√(2π)·0.8) ≈ 0.696, 0.17 above.
        Assert.True(Math.Abs(logZ - exact) < 4 * error + 5e-3, $"log Z = {logZ:F4} ± {error:F4}, exact {exact:F4}");
    }

    [Fact]
    public void All_particles_invalid_gives_zero_weights_and_log_Z_minus_infinity_without_failing()
    {
        var target = new AnalyticLatentTarget(2, DoubleWell, _ => true);
        var result = SmcSampler.Run(target, new SmcOptions { Particles = 16, Schedule = AnnealingSchedule.Adaptive(0.9) });
        Assert.Equal(1.0, result.Betas[^1]);
        Assert.True(double.IsNegativeInfinity(result.LogZ));
        Assert.All(result.LogWeights, l => Assert.True(double.IsNegativeInfinity(l)));
        Assert.DoesNotContain(result.Steps, s => s.Resampled);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.5)]
    public void Annealed_importance_weights_are_unbiased_for_Z(double resampleBelow)
    {
        // Proposal N(0, I) to the unnormalised Gaussian with mean (1, −0.5) and spreads (0.6, 1.2): Z = 2π·0.72.
        double[] mean = [1.0, -0.5], sigma = [0.6, 1.2];
        var target = AnalyticLatentTarget.Gaussian(mean, sigma);
        double z = Math.Exp(AnalyticLatentTarget.GaussianLogZ(sigma));
        var estimates = new List<double>();
        for (int run = 0; run < 300; run++)
        {
            // A fixed step keeps the runs' particles independent of each other (no adaptation from the population).
            var result = SmcSampler.Run(target, new SmcOptions
            {
                Particles = 8, Schedule = AnnealingSchedule.Power(4), MovesPerStep = 1, StepSize = 0.2, AdaptStepSize = false,
                ResampleBelow = resampleBelow, Seed = (ulong)(1000 + run),
            });
            if (resampleBelow == 0) estimates.AddRange(result.LogWeights.Select(Math.Exp)); // every particle: an unbiased estimate
            else estimates.Add(Math.Exp(result.LogZ)); // with resampling: the run's Ẑ
        }
        var (average, error) = MeanAndError(estimates);
        Assert.True(error < 0.05 * z, $"too noisy: {average:F4} ± {error:F4} for Z = {z:F4}");
        Assert.True(Math.Abs(average - z) < 4 * error, $"mean of exp(log w) = {average:F4} ± {error:F4}, Z = {z:F4}");
    }

    [Fact]
    public void Resampling_resets_the_weights_but_never_happens_at_beta_one()
    {
        var result = SmcSampler.Run(new AnalyticLatentTarget(2, DoubleWell), new SmcOptions { Particles = 64, Schedule = AnnealingSchedule.Power(5), ResampleBelow = 1 });
        // ESS < n at every step (the double well is no Gaussian), so every step but the last resamples.
        Assert.Equal(new[] { true, true, true, true, false }, result.Steps.Select(s => s.Resampled).ToArray());
        Assert.True(result.EssFraction < 1); // the last increment's weights are kept, not resampled away
        // After the fourth step's resampling every weight was log Z so far; the last step multiplied in exp(Δβ·ℓ).
        Assert.Equal(result.LogZ, result.Steps[^1].LogZ, 12);
    }

    /// <summary>Remembers the latent points of the first evaluation: the starting particles.</summary>
    private sealed class FirstDraws(ILatentTarget inner) : ILatentTarget
    {
        public double[]? Start { get; private set; }
        public int Dimension => inner.Dimension;
        public int PositionLength => inner.PositionLength;
        public long Evaluations => inner.Evaluations;
        public LatentBatch Evaluate(double[] z, bool withGradient)
        {
            Start ??= (double[])z.Clone();
            return inner.Evaluate(z, withGradient);
        }
    }

    [Fact]
    public void Each_particle_knows_the_starting_particle_it_was_copied_from()
    {
        // Without moves a particle is an exact copy of its ancestor, so its latent point must equal that starting draw.
        var target = new FirstDraws(new AnalyticLatentTarget(2, DoubleWell));
        var result = SmcSampler.Run(target, new SmcOptions { Particles = 64, Schedule = AnnealingSchedule.Power(5), MovesPerStep = 0, ResampleBelow = 1 });
        var p = result.Particles;
        Assert.Equal(64, p.Family.Length);
        Assert.True(p.Family.Distinct().Count() < 48, $"{p.Family.Distinct().Count()} families left after four resamplings");
        for (int i = 0; i < 64; i++)
            Assert.Equal(target.Start!.AsSpan(p.Family[i] * 2, 2).ToArray(), p.Z.AsSpan(i * 2, 2).ToArray());
        // Without resampling every particle is its own family.
        var plain = SmcSampler.Run(new AnalyticLatentTarget(2, DoubleWell), new SmcOptions { Particles = 16, ResampleBelow = 0 });
        Assert.Equal(Enumerable.Range(0, 16), plain.Particles.Family);
    }

    [Fact]
    public void One_step_without_moves_is_plain_importance_sampling()
    {
        // β jumps 0 → 1 and nothing moves: the final log-weights are exactly ℓ = −u − log q of the prior draws.
        var target = AnalyticLatentTarget.Gaussian([0.5], [0.7]);
        var result = SmcSampler.Run(target, new SmcOptions { Particles = 64, Schedule = AnnealingSchedule.Power(1), MovesPerStep = 0, ResampleBelow = 0 });
        var again = target.Evaluate(result.Particles.Z, withGradient: false);
        Assert.Equal(again.LogWeight, result.LogWeights);
        Assert.Equal(64, target.Evaluations - 64); // the initial evaluation and the check above, nothing else
    }

    // erf by quadrature, to 1e-12.
    private static double Erf(double x) => 2 / Math.Sqrt(Math.PI) * Simpson(t => Math.Exp(-t * t), 0, x);
}
