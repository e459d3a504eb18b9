using BoltzmannGen.Numerics;
using BoltzmannGen.Smc;

namespace BoltzmannGen.Tests.Smc;

/// <summary>
/// The MALA move leaves its target invariant: exact draws of a Gaussian keep the Gaussian's mean and variance after
/// many sweeps with a large step, while the unadjusted kernel at the same step visibly inflates the variance (so the
/// comparison can fail).
/// </summary>
public class LangevinKernelTests
{
    private static readonly double[] Mean = [0.5, -1.0, 2.0], Sigma = [0.5, 1.0, 2.0];
    private const int N = 4000, Sweeps = 20;
    private const double Step = 0.15; // ε/σ² = 0.6 for the narrowest coordinate: unadjusted Langevin would inflate its variance by 1/(1 − 0.3)

    /// <summary>Exact draws of N(Mean, diag Σ²), evaluated, then <see cref="Sweeps"/> sweeps at β = 1 (where log π₁ = −u).</summary>
    private static (Particles Particles, double Acceptance, double Moved) Run(SmcKernel kernel)
    {
        var target = AnalyticLatentTarget.Gaussian(Mean, Sigma);
        var random = new Xoshiro256(7);
        var noise = GaussianNoise.Draw(N * 3, random);
        var z = new double[N * 3];
        for (int i = 0; i < N; i++) for (int c = 0; c < 3; c++) z[i * 3 + c] = Mean[c] + Sigma[c] * noise[i * 3 + c];
        var start = (double[])z.Clone();
        var particles = new Particles(z, 3, target.Evaluate(z, withGradient: true), 3);
        double acceptance = 0;
        for (int s = 0; s < Sweeps; s++) acceptance += LangevinKernel.Move(particles, target, 1.0, Step, kernel, random).Acceptance / Sweeps;
        double moved = Enumerable.Range(0, N).Count(i => particles.Z[i * 3] != start[i * 3]) / (double)N;
        return (particles, acceptance, moved);
    }

    private static (double Mean, double Variance) Moments(Particles p, int c)
    {
        var values = Enumerable.Range(0, p.Count).Select(i => p.Z[i * 3 + c]).ToArray();
        double mean = values.Average();
        return (mean, values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1));
    }

    [Fact]
    public void Mala_keeps_exact_draws_of_a_Gaussian_exact()
    {
        var (particles, acceptance, moved) = Run(SmcKernel.Mala);
        Assert.InRange(acceptance, 0.3, 0.99); // the moves are real, and reject some proposals
        Assert.True(moved > 0.9, $"only {moved:P0} of the particles moved");
        for (int c = 0; c < 3; c++)
        {
            var (mean, variance) = Moments(particles, c);
            double s2 = Sigma[c] * Sigma[c];
            // Independent particles: SE of the mean σ/√n, of the variance σ²·√(2/n).
            Assert.True(Math.Abs(mean - Mean[c]) < 4 * Sigma[c] / Math.Sqrt(N), $"coordinate {c}: mean {mean:F4}, exact {Mean[c]}");
            Assert.True(Math.Abs(variance - s2) < 4 * s2 * Math.Sqrt(2.0 / N), $"coordinate {c}: variance {variance:F4}, exact {s2}");
        }
    }

    [Fact]
    public void Unadjusted_Langevin_at_the_same_step_inflates_the_variance()
    {
        var (particles, _, moved) = Run(SmcKernel.Langevin);
        Assert.Equal(1.0, moved);
        var (_, variance) = Moments(particles, 0);
        // Its stationary variance is σ²/(1 − ε/(2σ²)) = 0.357 for σ² = 0.25, and 20 sweeps get most of the way there.
        Assert.True(variance > 1.25 * Sigma[0] * Sigma[0], $"variance {variance:F4}: the unadjusted kernel should be visibly biased");
    }
}
