using BoltzmannGen.Smc;

namespace BoltzmannGen.Tests.Smc;

/// <summary>
/// exp(ℓ) raised to the power α, the end point of FAB's annealing (α = 2: p²/q). With the identity "flow" and a
/// Gaussian u, ∫N(z)·exp(2ℓ(z)) dz = ∫exp(−2u(z))/N(z; 0, I) dz has a closed form, which AIS must reproduce.
/// </summary>
public class PoweredLatentTargetTests
{
    [Fact]
    public void Log_weights_and_gradients_are_scaled_and_zero_weight_stays_zero()
    {
        var inner = new AnalyticLatentTarget(2, z => (z[0] * z[0], [2 * z[0], 0]), z => z[1] > 5);
        double[] z = [0.3, -0.2, 1.0, 7.0];
        var plain = inner.Evaluate(z, withGradient: true);
        var powered = new PoweredLatentTarget(inner, 2).Evaluate(z, withGradient: true);
        Assert.Equal(2 * plain.LogWeight[0], powered.LogWeight[0], 12);
        Assert.True(double.IsNegativeInfinity(powered.LogWeight[1]));
        for (int c = 0; c < 2; c++) Assert.Equal(2 * plain.Gradient![c], powered.Gradient![c], 12);
        Assert.Equal(plain.Reduced, powered.Reduced);
        Assert.Throws<ArgumentOutOfRangeException>(() => new PoweredLatentTarget(inner, 0));
    }

    [Fact]
    public void Annealed_importance_weights_towards_p_squared_over_q_are_unbiased_for_its_normaliser()
    {
        // u = Σ (z − m)²/(2s²). Per coordinate exp(−2u)/N(z) = √(2π)·exp(−a z² + b z − c) with a = 1/s² − ½,
        // b = 2m/s², c = m²/s², whose integral is √(2π)·√(π/a)·exp(b²/4a − c) (finite because s² < 2).
        double[] mean = [0.8, -0.4], sigma = [0.7, 1.1];
        double logZ2 = 0;
        for (int c = 0; c < 2; c++)
        {
            double s2 = sigma[c] * sigma[c], a = 1 / s2 - 0.5, b = 2 * mean[c] / s2, cc = mean[c] * mean[c] / s2;
            logZ2 += 0.5 * Math.Log(2 * Math.PI) + 0.5 * Math.Log(Math.PI / a) + b * b / (4 * a) - cc;
        }
        double z2 = Math.Exp(logZ2);
        var target = new PoweredLatentTarget(AnalyticLatentTarget.Gaussian(mean, sigma), 2);
        var estimates = new List<double>();
        for (int run = 0; run < 300; run++)
        {
            var result = SmcSampler.Run(target, new SmcOptions
            {
                Particles = 8, Schedule = AnnealingSchedule.Power(8), MovesPerStep = 1, StepSize = 0.2, AdaptStepSize = false,
                ResampleBelow = 0, Seed = (ulong)(7000 + run),
            });
            estimates.AddRange(result.LogWeights.Select(Math.Exp));
        }
        double average = estimates.Average();
        double error = Math.Sqrt(estimates.Sum(e => (e - average) * (e - average)) / (estimates.Count - 1) / estimates.Count);
        Assert.True(error < 0.05 * z2, $"too noisy: {average:F4} ± {error:F4} for Z₂ = {z2:F4}");
        Assert.True(Math.Abs(average - z2) < 4 * error, $"mean of exp(log w) = {average:F4} ± {error:F4}, Z₂ = {z2:F4}");
    }
}
