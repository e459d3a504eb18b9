using BoltzmannGen.Analysis;

namespace BoltzmannGen.Tests.Analysis;

/// <summary>Free-energy surfaces and profiles from samples of densities whose bin probabilities are known analytically.</summary>
public class FreeEnergySurfaceTests
{
    private const double Deg = Math.PI / 180;

    [Fact]
    public void Uniform_on_a_sub_square_is_flat_inside_and_nan_outside()
    {
        // φ uniform on [−60°, 60°), ψ on [0°, 90°): 20 × 15 = 300 of the 6° bins, 1,000 samples expected in each, so
        // F = ln(max count / count) is 0 up to noise: the max of 300 Poisson(1000) counts is ≈ 1000 + 3σ, F ≲ 0.2.
        const int n = 300_000;
        var random = new Random(31);
        var phi = new double[n];
        var psi = new double[n];
        for (int i = 0; i < n; i++)
        {
            phi[i] = (-60 + 120 * random.NextDouble()) * Deg;
            psi[i] = 90 * random.NextDouble() * Deg;
        }
        var map = FreeEnergySurface.Compute(phi, psi);
        Assert.Equal(61, map.PhiEdges.Length);
        Assert.Equal(-180, map.PhiEdges[0]);
        Assert.Equal(180, map.PhiEdges[^1]);
        Assert.Equal(-177, map.PhiCentres[0], 12);
        double min = double.PositiveInfinity, total = 0;
        int populated = 0;
        for (int i = 0; i < 60; i++)
            for (int j = 0; j < 60; j++)
            {
                bool inside = map.PhiEdges[i] >= -60 && map.PhiEdges[i + 1] <= 60 && map.PsiEdges[j] >= 0 && map.PsiEdges[j + 1] <= 90;
                double f = map.FreeEnergy[i, j];
                total += map.Probability[i, j];
                if (inside)
                {
                    populated++;
                    Assert.InRange(f, 0, 0.25);
                    Assert.InRange(map.Probability[i, j], 0.8 / 300, 1.2 / 300);
                    min = Math.Min(min, f);
                }
                else
                {
                    Assert.True(double.IsNaN(f), $"bin ({i}, {j}) outside the square has F = {f}");
                    Assert.Equal(0, map.Probability[i, j]);
                }
            }
        Assert.Equal(300, populated);
        Assert.Equal(0, min);
        Assert.Equal(1, total, 12);
    }

    /// <summary>∫ over [lo, hi] (radians) of exp(κ cos(x − μ)) by the midpoint rule with 200 points (error ≪ 1e-6).</summary>
    private static double VonMisesMass(double lo, double hi, double kappa, double mu)
    {
        const int m = 200;
        double h = (hi - lo) / m, sum = 0;
        for (int t = 0; t < m; t++) sum += Math.Exp(kappa * Math.Cos(lo + (t + 0.5) * h - mu));
        return sum * h;
    }

    [Fact]
    public void Weighted_uniform_samples_reproduce_a_von_mises_surface()
    {
        // Proposal uniform on the torus, weight = exp(κ₁cos(φ−μ₁) + κ₂cos(ψ−μ₂)): the weighted histogram estimates
        // the product von Mises law, whose bin probabilities factorise into 1-D integrals (quadrature below).
        const double k1 = 1.5, m1 = -1.2, k2 = 1.0, m2 = 2.5;
        const int n = 1_000_000, bins = 36;
        var random = new Random(32);
        var phi = new double[n];
        var psi = new double[n];
        var w = new double[n];
        for (int i = 0; i < n; i++)
        {
            phi[i] = Math.PI * (2 * random.NextDouble() - 1);
            psi[i] = Math.PI * (2 * random.NextDouble() - 1);
            w[i] = Math.Exp(k1 * Math.Cos(phi[i] - m1) + k2 * Math.Cos(psi[i] - m2));
        }
        var map = FreeEnergySurface.Compute(phi, psi, w, bins, bins);

        double width = 2 * Math.PI / bins;
        var pPhi = Enumerable.Range(0, bins).Select(b => VonMisesMass(-Math.PI + b * width, -Math.PI + (b + 1) * width, k1, m1)).ToArray();
        var pPsi = Enumerable.Range(0, bins).Select(b => VonMisesMass(-Math.PI + b * width, -Math.PI + (b + 1) * width, k2, m2)).ToArray();
        var expected = new double[bins, bins];
        double maxLog = double.NegativeInfinity;
        for (int i = 0; i < bins; i++)
            for (int j = 0; j < bins; j++)
                maxLog = Math.Max(maxLog, Math.Log(pPhi[i] * pPsi[j]));
        for (int i = 0; i < bins; i++)
            for (int j = 0; j < bins; j++)
                expected[i, j] = maxLog - Math.Log(pPhi[i] * pPsi[j]);

        // Each bin holds ≈ 770 proposals with nearly constant weight: relative error ≈ 1/√770 ≈ 0.036 in p, so
        // 0.036 in F; the shift (the estimate's own minimum bin) adds one common offset of the same order.
        var diffs = new List<double>();
        for (int i = 0; i < bins; i++)
            for (int j = 0; j < bins; j++)
                diffs.Add(map.FreeEnergy[i, j] - expected[i, j]);
        diffs.Sort();
        double offset = diffs[diffs.Count / 2];
        Assert.InRange(offset, -0.1, 0.2);
        for (int i = 0; i < bins; i++)
            for (int j = 0; j < bins; j++)
                Assert.True(Math.Abs(map.FreeEnergy[i, j] - expected[i, j] - offset) < 0.2,
                    $"bin ({i}, {j}): F = {map.FreeEnergy[i, j]:F3}, expected {expected[i, j] + offset:F3}");
        Assert.Equal(0, Enumerable.Range(0, bins * bins).Min(t => map.FreeEnergy[t / bins, t % bins]));
    }

    [Fact]
    public void Integer_weights_equal_repeated_samples_and_zero_weights_are_ignored()
    {
        double[] phi = [-170 * Deg, 10 * Deg, 10 * Deg, 95 * Deg, double.NaN];
        double[] psi = [50 * Deg, -20 * Deg, 170 * Deg, 95 * Deg, 0];
        double[] w = [3, 1, 2, 1, 0];
        var weighted = FreeEnergySurface.Compute(phi, psi, w, 12, 12);
        var repeated = FreeEnergySurface.Compute(
            [.. Enumerable.Repeat(phi[0], 3), phi[1], phi[2], phi[2], phi[3]],
            [.. Enumerable.Repeat(psi[0], 3), psi[1], psi[2], psi[2], psi[3]], phiBins: 12, psiBins: 12);
        for (int i = 0; i < 12; i++)
            for (int j = 0; j < 12; j++)
            {
                Assert.Equal(repeated.Probability[i, j], weighted.Probability[i, j], 14);
                Assert.Equal(repeated.FreeEnergy[i, j], weighted.FreeEnergy[i, j], 14);
            }
        // Hand values: bin width 30°; −170° → φ bin 0, 50° → ψ bin 7; probability 3/7; F = ln(3/1) for the weight-1 bins.
        Assert.Equal(3.0 / 7, weighted.Probability[0, 7], 14);
        Assert.Equal(0, weighted.FreeEnergy[0, 7], 14);
        Assert.Equal(Math.Log(3), weighted.FreeEnergy[6, 5], 14);  // (10°, −20°)
        Assert.Equal(Math.Log(1.5), weighted.FreeEnergy[6, 11], 14); // (10°, 170°), weight 2
    }

    [Fact]
    public void Wrapping_puts_plus_180_in_the_first_bin()
    {
        Assert.Equal(0, FreeEnergySurface.Bin(Math.PI, 72));
        Assert.Equal(0, FreeEnergySurface.Bin(-Math.PI, 72));
        Assert.Equal(71, FreeEnergySurface.Bin(179.99 * Deg, 72));
        Assert.Equal(36, FreeEnergySurface.Bin(0, 72));
        Assert.Equal(35, FreeEnergySurface.Bin(-0.1 * Deg, 72));
        Assert.Equal(36, FreeEnergySurface.Bin(2 * Math.PI + 0.1 * Deg, 72));
        Assert.Equal(-90, FreeEnergySurface.WrapDegrees(270 * Deg), 10);
    }

    [Fact]
    public void Profile_matches_the_analytic_free_energy_within_its_bands()
    {
        // φ ∝ 1 + 0.8 sin φ (rejection sampling from uniform); bin mass = Δ + 0.8 (cos a − cos b).
        const int n = 40_000, bins = 72;
        var random = new Random(33);
        var phi = new List<double>(n);
        while (phi.Count < n)
        {
            double x = Math.PI * (2 * random.NextDouble() - 1);
            if (random.NextDouble() * 1.8 < 1 + 0.8 * Math.Sin(x)) phi.Add(x);
        }
        var profile = FreeEnergySurface.Profile(phi.ToArray(), bins: bins, bootstrap: new BootstrapOptions(Resamples: 300, Confidence: 0.9, Seed: 4));
        double width = 2 * Math.PI / bins;
        var mass = Enumerable.Range(0, bins).Select(b =>
        {
            double lo = -Math.PI + b * width, hi = lo + width;
            return width + 0.8 * (Math.Cos(lo) - Math.Cos(hi));
        }).ToArray();
        double maxMass = mass.Max();
        var expected = mass.Select(m => Math.Log(maxMass / m)).ToArray();
        // The bands are pointwise intervals for −ln p_b shifted by the estimate's offset c: the truth of that quantity.
        double totalMass = mass.Sum();
        Assert.Equal(2 * Math.PI, totalMass, 10);
        var expectedShifted = mass.Select(m => -Math.Log(m / totalMass) - profile.Offset).ToArray();

        Assert.Equal(73, profile.Edges.Length);
        Assert.Equal(-177.5, profile.Centres[0], 12);
        Assert.Equal(0, profile.FreeEnergy.Min());
        int inside = 0;
        for (int b = 0; b < bins; b++)
        {
            Assert.InRange(profile.FreeEnergy[b], profile.Lower[b], profile.Upper[b]);
            Assert.True(Math.Abs(profile.FreeEnergy[b] - expected[b]) < 0.3, $"bin {b}: {profile.FreeEnergy[b]:F3} vs {expected[b]:F3}");
            if (profile.Lower[b] <= expectedShifted[b] && expectedShifted[b] <= profile.Upper[b]) inside++;
        }
        Assert.Equal(-Math.Log(profile.Probability.Max()), profile.Offset, 14);
        // Pointwise 90 % bands over 72 nearly independent bins: binomial mean 64.8, σ = 2.5; ask for ≥ 57 (−3σ).
        Assert.True(inside >= 57, $"{inside} of {bins} bins cover the analytic value");
        Assert.Equal(300, profile.Resamples);
    }

    [Fact]
    public void Profile_of_restricted_support_has_nan_outside_and_bands_that_widen_with_blocks()
    {
        // A slow random walk confined to (0°, 90°): correlated frames. Block bands must be wider than ordinary ones.
        var random = new Random(34);
        var phi = new double[20_000];
        double x = 45 * Deg;
        for (int t = 0; t < phi.Length; t++)
        {
            x += 2 * Deg * (2 * random.NextDouble() - 1);
            if (x <= 1 * Deg || x >= 89 * Deg) x = Math.Clamp(x, 1 * Deg, 89 * Deg);
            phi[t] = x;
        }
        var iid = FreeEnergySurface.Profile(phi, bins: 36, bootstrap: new BootstrapOptions(Resamples: 200, Seed: 1));
        var block = FreeEnergySurface.Profile(phi, bins: 36, bootstrap: new BootstrapOptions(Resamples: 200, Seed: 1, BlockLength: 1000));
        for (int b = 0; b < 36; b++)
        {
            bool inside = iid.Edges[b] >= 0 && iid.Edges[b + 1] <= 90;
            if (!inside)
            {
                Assert.True(double.IsNaN(iid.FreeEnergy[b]) && double.IsNaN(iid.Lower[b]) && double.IsNaN(iid.Upper[b]));
                continue;
            }
            Assert.False(double.IsNaN(iid.FreeEnergy[b]));
        }
        double Width(FreeEnergyProfile p) => Enumerable.Range(0, 36).Where(b => double.IsFinite(p.Upper[b]) && double.IsFinite(p.Lower[b]))
            .Average(b => p.Upper[b] - p.Lower[b]);
        Assert.True(Width(block) > 2 * Width(iid), $"block width {Width(block):F3}, ordinary {Width(iid):F3}");
        Assert.Equal(1000, block.BlockLength);
    }

    [Fact]
    public void Profile_bands_over_families_of_copies_equal_the_bands_over_the_distinct_draws()
    {
        // K distinct draws, draw f copied c_f times (interleaved, as resampling leaves them): bootstrapping the families
        // must give exactly the ordinary bootstrap of the K draws weighted by c_f·w_f (same seed, same units drawn).
        var random = new Random(31);
        const int K = 300;
        var angle = Enumerable.Range(0, K).Select(_ => Math.PI * (2 * random.NextDouble() - 1)).ToArray();
        var weight = Enumerable.Range(0, K).Select(_ => 0.2 + random.NextDouble()).ToArray();
        var copies = Enumerable.Range(0, K).Select(_ => 1 + random.Next(6)).ToArray();
        var (phi, w, families) = (new List<double>(), new List<double>(), new List<int>());
        for (int c = 0; c < copies.Max(); c++)
            for (int f = 0; f < K; f++)
                if (c < copies[f]) { phi.Add(angle[f]); w.Add(weight[f]); families.Add(f * 3 + 1); }
        var options = new BootstrapOptions(Resamples: 100, Seed: 4);
        var byFamily = FreeEnergySurface.Profile([.. phi], [.. w], bins: 24, bootstrap: options, families: [.. families]);
        var distinct = FreeEnergySurface.Profile(angle, Enumerable.Range(0, K).Select(f => copies[f] * weight[f]).ToArray(), bins: 24, bootstrap: options);
        for (int b = 0; b < 24; b++)
        {
            Assert.Equal(distinct.FreeEnergy[b], byFamily.FreeEnergy[b], 9);
            Assert.Equal(distinct.Lower[b], byFamily.Lower[b], 9);
            Assert.Equal(distinct.Upper[b], byFamily.Upper[b], 9);
        }
        var ordinary = FreeEnergySurface.Profile([.. phi], [.. w], bins: 24, bootstrap: options);
        Assert.True(Enumerable.Range(0, 24).Where(b => double.IsFinite(ordinary.Upper[b])).Average(b => ordinary.Upper[b] - ordinary.Lower[b])
                    < Enumerable.Range(0, 24).Where(b => double.IsFinite(byFamily.Upper[b])).Average(b => byFamily.Upper[b] - byFamily.Lower[b]),
                    "copies bootstrapped one by one should give narrower bands than whole families");
    }

    [Fact]
    public void Bad_input_names_the_argument()
    {
        double[] phi = [0.1, 0.2, 0.3], psi = [0.1, 0.2];
        Assert.Equal("psi", Assert.Throws<ArgumentException>(() => FreeEnergySurface.Compute(phi, psi)).ParamName);
        Assert.Equal("weights", Assert.Throws<ArgumentException>(() => FreeEnergySurface.Compute(phi, phi, [1, -1, 1])).ParamName);
        Assert.Equal("weights", Assert.Throws<ArgumentException>(() => FreeEnergySurface.Compute(phi, phi, [0, 0, 0])).ParamName);
        Assert.Equal("weights", Assert.Throws<ArgumentException>(() => FreeEnergySurface.Compute(phi, phi, [1, 1])).ParamName);
        Assert.Equal("phi", Assert.Throws<ArgumentException>(() => FreeEnergySurface.Compute([0.1, double.NaN, 0.3], phi)).ParamName);
        Assert.Equal("psi", Assert.Throws<ArgumentException>(() => FreeEnergySurface.Compute(phi, [0.1, double.PositiveInfinity, 0.3])).ParamName);
        Assert.Equal("phiBins", Assert.Throws<ArgumentOutOfRangeException>(() => FreeEnergySurface.Compute(phi, phi, phiBins: 0)).ParamName);
        Assert.Equal("angles", Assert.Throws<ArgumentException>(() => FreeEnergySurface.Profile([double.NaN])).ParamName);
        Assert.Equal("weights", Assert.Throws<ArgumentException>(() => FreeEnergySurface.Profile(phi, [1, 2])).ParamName);
        Assert.Equal("bootstrap", Assert.Throws<ArgumentException>(() =>
            FreeEnergySurface.Profile(phi, bootstrap: new BootstrapOptions(Resamples: 5))).ParamName);
    }
}
