using BoltzmannGen.Numerics;
using BoltzmannGen.Smc;

namespace BoltzmannGen.Tests.Smc;

/// <summary>β schedules: the power law ends at exactly 1, a given list must end at 1, and the adaptive step hits its conditional-ESS target (checked by brute force).</summary>
public class AnnealingScheduleTests
{
    [Fact]
    public void Power_schedule_is_quadratic_and_ends_at_exactly_one()
    {
        var s = AnnealingSchedule.Power(3);
        Assert.Equal(new[] { 1.0 / 9, 4.0 / 9, 1.0 }, s.Betas!.ToArray());
        Assert.Equal(3, s.MaxSteps);
    }

    [Theory]
    [InlineData(new[] { 0.1, 0.5, 0.9 }, "not 1")]
    [InlineData(new[] { 0.1, 0.5, 0.4, 1.0 }, "increase")]
    [InlineData(new[] { 0.5, 1.5 }, "increase")]
    [InlineData(new double[0], "empty")]
    public void Given_schedules_that_do_not_rise_to_one_are_refused(double[] betas, string expected)
    {
        var e = Assert.Throws<InputException>(() => AnnealingSchedule.Explicit(betas));
        Assert.Contains(expected, e.Message);
        Assert.Contains("--betas", e.Message);
    }

    [Fact]
    public void A_leading_zero_is_allowed()
    {
        Assert.Equal(new[] { 0.2, 1.0 }, AnnealingSchedule.Explicit([0, 0.2, 1]).Betas!.ToArray());
    }

    [Fact]
    public void Adaptive_step_keeps_the_target_conditional_ESS()
    {
        var random = new Xoshiro256(5);
        int n = 300;
        // Unequal current weights, a wide spread of ℓ, and some particles with ℓ = −∞ (a quarter of the weight-mass drops out).
        var logW = Enumerable.Range(0, n).Select(_ => 2 * random.NextDouble()).ToArray();
        var ell = Enumerable.Range(0, n).Select(i => i % 4 == 0 ? double.NegativeInfinity : 40 * random.NextDouble()).ToArray();
        var schedule = AnnealingSchedule.Adaptive(0.9);
        double beta = 0.2, next = schedule.Next(1, beta, logW, ell);
        Assert.InRange(next, beta + 1e-6, 1 - 1e-6); // ℓ spread 40 wide: one jump to 1 would lose far more

        // Brute force: W normalised over all particles, w = exp(Δβ ℓ), CESS = (Σ W w)² / Σ W w².
        double Cess(double delta)
        {
            double max = logW.Max(), total = logW.Sum(l => Math.Exp(l - max));
            double a = 0, b = 0;
            for (int i = 0; i < n; i++)
            {
                if (!double.IsFinite(ell[i])) continue;
                double w = Math.Exp(logW[i] - max) / total, inc = Math.Exp(delta * (ell[i] - 40));
                a += w * inc;
                b += w * inc * inc;
            }
            return a * a / b;
        }
        double limit = Cess(1e-12);
        Assert.Equal(0.75, limit, 0.05); // the living particles' share of the weight
        Assert.Equal(0.9 * limit, Cess(next - beta), 1e-9);
        Assert.Equal(Cess(next - beta), AnnealingSchedule.ConditionalEssFraction(logW, ell, next - beta), 1e-12);
    }

    [Fact]
    public void Adaptive_schedule_jumps_to_one_when_it_can_and_at_its_last_step()
    {
        var logW = new double[] { 0, 0, 0 };
        Assert.Equal(1.0, AnnealingSchedule.Adaptive(0.9).Next(1, 0, logW, [1.0, 1.0, 1.0])); // equal ℓ: no loss at all
        Assert.Equal(1.0, AnnealingSchedule.Adaptive(0.9, maxSteps: 4).Next(4, 0.1, logW, [0.0, 50.0, 100.0]));
    }
}
