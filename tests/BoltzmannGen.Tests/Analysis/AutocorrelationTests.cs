using BoltzmannGen.Analysis;

namespace BoltzmannGen.Tests.Analysis;

/// <summary>FFT autocorrelation against the O(N²) definition; τ_int against the analytic AR(1) value.</summary>
public class AutocorrelationTests
{
    [Fact]
    public void Fft_acf_equals_brute_force_acf()
    {
        var random = new Random(7);
        var x = Enumerable.Range(0, 777).Select(_ => random.NextDouble() * 3 + 10).ToArray();
        var rho = Autocorrelation.Function(x);

        double mean = x.Average();
        double c0 = x.Sum(v => (v - mean) * (v - mean));
        Assert.Equal(x.Length, rho.Length);
        for (int t = 0; t < x.Length; t++)
        {
            double ct = 0;
            for (int s = 0; s + t < x.Length; s++) ct += (x[s] - mean) * (x[s + t] - mean);
            Assert.True(Math.Abs(rho[t] - ct / c0) < 1e-12, $"lag {t}: {rho[t]} vs {ct / c0}");
        }
    }

    [Fact]
    public void Ar1_tau_matches_the_analytic_value_within_10_percent()
    {
        const double a = 0.9; // τ_int = (1 + a) / (1 − a) = 19
        var x = SeededNormal.Ar1(seed: 2024, count: 200_000, a);
        var estimate = Autocorrelation.Estimate(x);
        Assert.True(Math.Abs(estimate.Tau - 19) < 1.9, $"τ = {estimate.Tau}");
        Assert.Equal(200_000 / estimate.Tau, estimate.EffectiveSampleCount, 1e-9);

        // Sokal's window is the smallest W with W ≥ 5·τ(W): it holds at W and fails at W − 1.
        var rho = Autocorrelation.Function(x);
        int w = estimate.Window;
        Assert.True(w >= 5 * estimate.Tau, $"W = {w}, τ = {estimate.Tau}");
        Assert.True(w - 1 < 5 * (estimate.Tau - 2 * rho[w]), $"W − 1 = {w - 1} already satisfied the criterion");

        // ρ(t) of AR(1) is a^t: check a few lags directly.
        Assert.Equal(0.9, rho[1], 0.01);
        Assert.Equal(Math.Pow(0.9, 5), rho[5], 0.02);
    }

    [Fact]
    public void White_noise_has_tau_near_one()
    {
        var x = SeededNormal.Draw(seed: 99, count: 100_000);
        double tau = Autocorrelation.IntegratedTime(x);
        Assert.True(Math.Abs(tau - 1) < 0.05, $"τ = {tau}");
        Assert.True(Math.Abs(Autocorrelation.EffectiveSampleCount(x) - 100_000) < 5_000);
    }

    [Fact]
    public void Constant_series_is_uncorrelated_not_NaN()
    {
        var x = Enumerable.Repeat(0.1, 1000).ToArray();
        var estimate = Autocorrelation.Estimate(x);
        Assert.Equal(1.0, estimate.Tau);
        Assert.Equal(1000.0, estimate.EffectiveSampleCount);
        Assert.Equal(1.0, Autocorrelation.Function(x)[0]);
        Assert.All(Autocorrelation.Function(x).Skip(1), r => Assert.Equal(0.0, r));
    }

    [Fact]
    public void Alternating_series_stops_at_window_one_and_counts_every_sample()
    {
        // ±1 alternating, mean 0: C(0) = 1000, C(1) = −999, so ρ(1) = −0.999, τ(1) = −0.998 and already W = 1 ≥ 5·τ(1).
        var x = Enumerable.Range(0, 1000).Select(i => i % 2 == 0 ? 1.0 : -1.0).ToArray();
        var estimate = Autocorrelation.Estimate(x);
        Assert.Equal(1, estimate.Window);
        Assert.Equal(-0.998, estimate.Tau, 12);
        Assert.Equal(1000.0, estimate.EffectiveSampleCount);
    }
}
