using BoltzmannGen.Analysis;
using BoltzmannGen.Systems;
using BoltzmannGen.Tests.Support;

namespace BoltzmannGen.Tests.Analysis;

/// <summary>
/// Basin populations and ΔF: hand cases, infinite ΔF, and bootstrap coverage on synthetic data with a known true P —
/// independent samples (unweighted and weighted) and a correlated two-state Markov chain (block bootstrap).
/// </summary>
public class FreeEnergyDifferenceTests
{
    private const int Repetitions = 200;

    /// <summary>
    /// Binomial tolerance for a coverage rate over <see cref="Repetitions"/> trials: nominal ± 3σ, σ = √(c(1−c)/R)
    /// (σ = 0.021 for 90 %; a correct interval fails this about 3 times in 1,000).
    /// </summary>
    private static (double Low, double High) Tolerance(double nominal)
    {
        double sigma = Math.Sqrt(nominal * (1 - nominal) / Repetitions);
        return (nominal - 3 * sigma, Math.Min(1, nominal + 3 * sigma));
    }

    private static double TrueDeltaF(double p) => -Math.Log(p / (1 - p));

    [Fact]
    public void Delta_f_from_population_hand_values()
    {
        Assert.Equal(0, FreeEnergyDifference.FromPopulation(0.5), 14);
        Assert.Equal(Math.Log(3), FreeEnergyDifference.FromPopulation(0.25), 14);
        Assert.Equal(-Math.Log(9), FreeEnergyDifference.FromPopulation(0.9), 13);
        Assert.Equal(double.PositiveInfinity, FreeEnergyDifference.FromPopulation(0));
        Assert.Equal(double.NegativeInfinity, FreeEnergyDifference.FromPopulation(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => FreeEnergyDifference.FromPopulation(double.NaN));
    }

    [Fact]
    public void Positive_basin_is_zero_to_pi_modulo_two_pi()
    {
        Assert.True(BasinPopulations.IsPositive(Math.PI));
        Assert.True(BasinPopulations.IsPositive(-Math.PI));  // −π is π in (−π, π]
        Assert.True(BasinPopulations.IsPositive(1e-9));
        Assert.False(BasinPopulations.IsPositive(0));
        Assert.False(BasinPopulations.IsPositive(-1e-9));
        Assert.False(BasinPopulations.IsPositive(4.0));      // 4 − 2π ≈ −2.28
        Assert.True(BasinPopulations.IsPositive(-4.0));      // −4 + 2π ≈ 2.28
        Assert.True(BasinPopulations.IsPositive(2 * Math.PI + 0.5));
    }

    [Fact]
    public void Weighted_positive_fraction_hand_case()
    {
        double[] phi = [1.0, -1.0, 2.0, -2.0, double.NaN];
        double[] w = [1, 2, 3, 4, 0];
        Assert.Equal(4.0 / 10.0, BasinPopulations.PositiveFraction(phi, w), 14);
        Assert.Equal(0.5, BasinPopulations.PositiveFraction(phi[..4]), 14);
        var e = FreeEnergyDifference.Estimate(phi, w, new BootstrapOptions(Resamples: 50));
        Assert.Equal(0.4, e.PositiveFraction, 14);
        Assert.Equal(Math.Log(1.5), e.DeltaF, 13);
        Assert.Equal(2, e.PositiveSamples);
        Assert.Equal(5, e.Samples);
        Assert.Equal(BasinCoverage.BothBasins, e.Coverage);
    }

    [Fact]
    public void Unsampled_basin_gives_infinite_delta_f_never_nan()
    {
        var none = FreeEnergyDifference.Estimate([-1.0, -2.0, -0.5, -3.0], bootstrap: new BootstrapOptions(Resamples: 50));
        Assert.Equal(0, none.PositiveFraction);
        Assert.Equal(double.PositiveInfinity, none.DeltaF);
        Assert.Equal(double.PositiveInfinity, none.Lower);
        Assert.Equal(double.PositiveInfinity, none.Upper);
        Assert.Equal(BasinCoverage.NegativeOnly, none.Coverage);
        Assert.Contains("+∞", none.Note);
        Assert.False(none.IsFinite);

        var all = FreeEnergyDifference.Estimate([1.0, 2.0, 0.5], [1, 2, 3], new BootstrapOptions(Resamples: 50));
        Assert.Equal(double.NegativeInfinity, all.DeltaF);
        Assert.Equal(BasinCoverage.PositiveOnly, all.Coverage);
        Assert.Contains("−∞", all.Note);

        // One rare positive sample: ΔF finite, but some replicates miss it, so the upper bound is +∞ and the note says why.
        var phi = Enumerable.Repeat(-1.0, 19).Append(1.0).ToArray();
        var rare = FreeEnergyDifference.Estimate(phi, bootstrap: new BootstrapOptions(Resamples: 400, Confidence: 0.9));
        Assert.Equal(Math.Log(19), rare.DeltaF, 12);
        Assert.Equal(double.PositiveInfinity, rare.Upper);
        Assert.True(double.IsFinite(rare.Lower));
        Assert.Contains("unbounded", rare.Note);
        foreach (var r in new[] { none, all, rare })
            Assert.False(double.IsNaN(r.DeltaF) || double.IsNaN(r.Lower) || double.IsNaN(r.Upper));
    }

    [Fact]
    public void Same_seed_same_interval()
    {
        var random = new Random(3);
        var phi = Enumerable.Range(0, 500).Select(_ => random.NextDouble() < 0.3 ? 1.0 : -1.0).ToArray();
        var a = FreeEnergyDifference.Estimate(phi, bootstrap: new BootstrapOptions(Seed: 7));
        var b = FreeEnergyDifference.Estimate(phi, bootstrap: new BootstrapOptions(Seed: 7));
        var c = FreeEnergyDifference.Estimate(phi, bootstrap: new BootstrapOptions(Seed: 8));
        Assert.Equal((a.Lower, a.Upper), (b.Lower, b.Upper));
        Assert.NotEqual((a.Lower, a.Upper), (c.Lower, c.Upper));
        Assert.InRange(a.DeltaF, a.Lower, a.Upper);
    }

    [Fact]
    public void Iid_bernoulli_interval_covers_the_true_delta_f_at_the_nominal_rate()
    {
        const double p = 0.3;
        const int n = 300;
        double truth = TrueDeltaF(p);
        var random = new Random(21);
        int covered = 0;
        for (int rep = 0; rep < Repetitions; rep++)
        {
            var phi = new double[n];
            for (int i = 0; i < n; i++) phi[i] = random.NextDouble() < p ? 1.5 : -1.5;
            var e = FreeEnergyDifference.Estimate(phi, bootstrap: new BootstrapOptions(Resamples: 400, Confidence: 0.9, Seed: (ulong)rep));
            if (e.Lower <= truth && truth <= e.Upper) covered++;
        }
        var (low, high) = Tolerance(0.9);
        double rate = covered / (double)Repetitions;
        Assert.True(rate >= low && rate <= high, $"covered {rate:P1}, band [{low:P1}, {high:P1}]");
    }

    [Fact]
    public void Weighted_interval_covers_the_true_delta_f_at_the_nominal_rate()
    {
        // Proposal: φ uniform on (−π, π]; target density ∝ 1 + 0.8 sin φ, so w(φ) = 1 + 0.8 sin φ and
        // P(φ>0) = ∫₀^π (1 + 0.8 sin φ) dφ / 2π = (π + 1.6)/(2π).
        double truth = TrueDeltaF((Math.PI + 1.6) / (2 * Math.PI));
        const int n = 400;
        var random = new Random(22);
        int covered = 0;
        for (int rep = 0; rep < Repetitions; rep++)
        {
            var phi = new double[n];
            var w = new double[n];
            for (int i = 0; i < n; i++)
            {
                phi[i] = Math.PI * (2 * random.NextDouble() - 1);
                w[i] = 1 + 0.8 * Math.Sin(phi[i]);
            }
            var e = FreeEnergyDifference.Estimate(phi, w, new BootstrapOptions(Resamples: 400, Confidence: 0.9, Seed: (ulong)rep));
            if (e.Lower <= truth && truth <= e.Upper) covered++;
        }
        var (low, high) = Tolerance(0.9);
        double rate = covered / (double)Repetitions;
        Assert.True(rate >= low && rate <= high, $"covered {rate:P1}, band [{low:P1}, {high:P1}]");
    }

    /// <summary>
    /// Two-state Markov chain: −→+ with probability a, +→− with b per step; stationary P(+) = a/(a+b), lag-1
    /// correlation λ = 1 − a − b, integrated autocorrelation time (1+λ)/(1−λ) frames.
    /// </summary>
    private static double[] MarkovChain(Random random, int n, double a, double b)
    {
        var phi = new double[n];
        bool positive = random.NextDouble() < a / (a + b); // start in the stationary distribution
        for (int t = 0; t < n; t++)
        {
            phi[t] = positive ? 1.0 : -1.0;
            double u = random.NextDouble();
            positive = positive ? u >= b : u < a;
        }
        return phi;
    }

    [Fact]
    public void Block_bootstrap_covers_correlated_frames_where_the_ordinary_bootstrap_does_not()
    {
        // a = 0.05, b = 0.075: P(+) = 0.4, λ = 0.875, τ_int = 15 frames. 8,000 frames ≈ 530 independent samples;
        // blocks of 200 frames (≈ 13 τ_int), 40 per replicate.
        const double a = 0.05, b = 0.075;
        const int IidRepetitions = 60;
        double truth = TrueDeltaF(a / (a + b));
        var random = new Random(23);
        int blockCovered = 0, iidCovered = 0;
        for (int rep = 0; rep < Repetitions; rep++)
        {
            var phi = MarkovChain(random, 8000, a, b);
            var block = FreeEnergyDifference.Estimate(phi, bootstrap: new BootstrapOptions(400, 0.9, (ulong)rep, BlockLength: 200));
            if (block.Lower <= truth && truth <= block.Upper) blockCovered++;
            Assert.Equal(200, block.BlockLength);
            if (rep < IidRepetitions)
            {
                var iid = FreeEnergyDifference.Estimate(phi, bootstrap: new BootstrapOptions(100, 0.9, (ulong)rep));
                if (iid.Lower <= truth && truth <= iid.Upper) iidCovered++;
            }
        }
        // The moving-block bootstrap under-covers slightly (its variance estimate is biased low by O(τ/L), and 40 blocks
        // are few; 0.85–0.92 over four seeds when this test was written), so allow 0.03 below the binomial band.
        var (low, high) = Tolerance(0.9);
        double rate = blockCovered / (double)Repetitions;
        Assert.True(rate >= low - 0.03 && rate <= high, $"block bootstrap covered {rate:P1}, band [{low - 0.03:P1}, {high:P1}]");
        // Ordinary bootstrap: intervals √τ_int ≈ 3.9× too narrow, coverage ≈ 2Φ(1.645/3.9) − 1 ≈ 0.33. Checked on fewer
        // chains (an ordinary replicate costs O(n)); 0.6 is 4.4σ above 0.33 for 60 trials.
        Assert.True(iidCovered / (double)IidRepetitions < 0.6, $"ordinary bootstrap covered {iidCovered}/{IidRepetitions}");
    }

    [Fact]
    public void Family_bootstrap_covers_copied_samples_where_the_ordinary_bootstrap_does_not()
    {
        // What SMC resampling leaves: 150 independent draws (P(φ>0) = 0.25), each copied 20 times with its weight
        // (weights vary between families, as SMC weights do). The family bootstrap sees 150 units, the ordinary one
        // 3,000 and is √20 ≈ 4.5× too narrow: coverage ≈ 2Φ(1.645/4.5) − 1 ≈ 0.29.
        const double p = 0.25;
        const int draws = 150, copies = 20;
        double truth = TrueDeltaF(p);
        var random = new Random(24);
        int familyCovered = 0, ordinaryCovered = 0;
        for (int rep = 0; rep < Repetitions; rep++)
        {
            var phi = new double[draws * copies];
            var w = new double[draws * copies];
            var families = new int[draws * copies];
            for (int f = 0; f < draws; f++)
            {
                double angle = random.NextDouble() < p ? 1.2 : -1.2, weight = 0.5 + random.NextDouble();
                for (int c = 0; c < copies; c++)
                {
                    int i = c * draws + f; // families interleaved, as resampling leaves them: no block structure to find
                    (phi[i], w[i], families[i]) = (angle, weight, 1000 + 7 * f);
                }
            }
            var options = new BootstrapOptions(Resamples: 400, Confidence: 0.9, Seed: (ulong)rep);
            var family = FreeEnergyDifference.Estimate(phi, w, options, families: families);
            Assert.Equal(draws, family.Families);
            Assert.Equal(draws * copies, family.Samples);
            if (family.Lower <= truth && truth <= family.Upper) familyCovered++;
            var ordinary = FreeEnergyDifference.Estimate(phi, w, options);
            Assert.Equal(ordinary.DeltaF, family.DeltaF, 12); // the estimate itself does not change
            if (ordinary.Lower <= truth && truth <= ordinary.Upper) ordinaryCovered++;
        }
        // Weights that differ between families make the ratio estimator's bootstrap slightly liberal: allow 0.03 below.
        var (low, high) = Tolerance(0.9);
        double rate = familyCovered / (double)Repetitions;
        Assert.True(rate >= low - 0.03 && rate <= high, $"family bootstrap covered {rate:P1}, band [{low - 0.03:P1}, {high:P1}]");
        Assert.True(ordinaryCovered / (double)Repetitions < 0.5, $"ordinary bootstrap covered {ordinaryCovered}/{Repetitions}");
    }

    [Fact]
    public void Families_of_copies_give_the_ordinary_bootstrap_of_the_distinct_draws()
    {
        var random = new Random(26);
        const int K = 250;
        var angle = Enumerable.Range(0, K).Select(_ => random.NextDouble() < 0.2 ? 1.0 : -1.0).ToArray();
        var weight = Enumerable.Range(0, K).Select(_ => 0.2 + random.NextDouble()).ToArray();
        var copies = Enumerable.Range(0, K).Select(_ => 1 + random.Next(6)).ToArray();
        var (phi, w, families) = (new List<double>(), new List<double>(), new List<int>());
        for (int c = 0; c < copies.Max(); c++)
            for (int f = 0; f < K; f++)
                if (c < copies[f]) { phi.Add(angle[f]); w.Add(weight[f]); families.Add(7 * f); }
        var options = new BootstrapOptions(Resamples: 300, Seed: 9);
        var byFamily = FreeEnergyDifference.Estimate([.. phi], [.. w], options, families: [.. families]);
        var distinct = FreeEnergyDifference.Estimate(angle, Enumerable.Range(0, K).Select(f => copies[f] * weight[f]).ToArray(), options);
        Assert.Equal(distinct.DeltaF, byFamily.DeltaF, 9);
        Assert.Equal(distinct.Lower, byFamily.Lower, 9);
        Assert.Equal(distinct.Upper, byFamily.Upper, 9);
    }

    [Fact]
    public void One_sample_per_family_is_the_ordinary_bootstrap()
    {
        var random = new Random(25);
        var phi = Enumerable.Range(0, 400).Select(_ => random.NextDouble() < 0.3 ? 1.0 : -1.0).ToArray();
        var w = Enumerable.Range(0, 400).Select(_ => random.NextDouble()).ToArray();
        var options = new BootstrapOptions(Resamples: 200, Seed: 5);
        var ordinary = FreeEnergyDifference.Estimate(phi, w, options);
        var singletons = FreeEnergyDifference.Estimate(phi, w, options, families: Enumerable.Range(0, 400).ToArray());
        Assert.Equal((ordinary.DeltaF, ordinary.Lower, ordinary.Upper), (singletons.DeltaF, singletons.Lower, singletons.Upper));
        Assert.Null(ordinary.Families);
        Assert.Equal(400, singletons.Families);
        Assert.Throws<ArgumentException>(() => FreeEnergyDifference.Estimate(phi, w, options, families: new int[399]));
        Assert.Throws<ArgumentException>(() => FreeEnergyDifference.Estimate(phi, w, options with { BlockLength = 10 }, families: new int[400]));
    }

    [Fact]
    public void Block_sums_stay_exact_next_to_a_dominant_weight()
    {
        // φ alternates +, −, +, … so every block of even length holds exactly half positives: a replicate that misses
        // frame 0 has P = 0.5 exactly. Frame 0 (positive) weighs 1e20 and the rest 1; replicates whose blocks include it
        // (≈ 10 %) have P ≈ 1. So the 2.5 % quantile of P is 0.5 and the upper ΔF bound is exactly 0 — which fails if
        // block sums are formed as differences of running sums (1e20 + k − (1e20 + j) loses every digit).
        const int n = 1000;
        var phi = Enumerable.Range(0, n).Select(t => t % 2 == 0 ? 1.0 : -1.0).ToArray();
        var w = Enumerable.Repeat(1.0, n).ToArray();
        w[0] = 1e20;
        var e = FreeEnergyDifference.Estimate(phi, w, new BootstrapOptions(Resamples: 400, Confidence: 0.95, Seed: 2, BlockLength: 10));
        Assert.Equal(0.5, e.PositiveFractionLower, 12);
        Assert.Equal(0, e.Upper, 12);
        Assert.True(e.PositiveFraction > 1 - 1e-15);

        // Even blocks of an unweighted alternating series: every replicate is exactly 0.5.
        var flat = FreeEnergyDifference.Estimate(phi, bootstrap: new BootstrapOptions(Resamples: 100, BlockLength: 50));
        Assert.Equal(0, flat.Lower, 12);
        Assert.Equal(0, flat.Upper, 12);
    }

    [Fact]
    public void Per_residue_picks_the_phi_angles_in_order()
    {
        var defs = new[]
        {
            new DihedralDefinition("phi2", DihedralKind.Phi, 1, "ALA", 4, 6, 8, 14),
            new DihedralDefinition("psi2", DihedralKind.Psi, 1, "ALA", 6, 8, 14, 16),
            new DihedralDefinition("phi3", DihedralKind.Phi, 2, "ALA", 14, 16, 18, 24),
        };
        double[][] series = [[1, -1, -1, -1], [1, 1, 1, 1], [1, 1, 1, -1]];
        var result = FreeEnergyDifference.PerResidue(defs, series, bootstrap: new BootstrapOptions(Resamples: 20));
        Assert.Equal(["phi2", "phi3"], result.Select(r => r.Name));
        Assert.Equal(Math.Log(3), result[0].DeltaF, 13);
        Assert.Equal(-Math.Log(3), result[1].DeltaF, 13);
    }

    [Fact]
    public void Per_residue_from_frames_uses_every_phi_of_the_topology()
    {
        // al4 fixture frames: one entry per φ (phi2, phi3, phi4), each P(φ>0) the fraction counted from the angles.
        var system = EnergyFixtures.System("al4");
        var frames = EnergyFixtures.Frames("al4");
        var result = FreeEnergyDifference.PerResidue(frames, system.Topology, bootstrap: new BootstrapOptions(Resamples: 20));
        Assert.Equal(["phi2", "phi3", "phi4"], result.Select(r => r.Name));
        var phis = BackboneDihedrals.Of(system.Topology).Where(d => d.Kind == DihedralKind.Phi).ToList();
        for (int k = 0; k < phis.Count; k++)
        {
            var angles = Enumerable.Range(0, frames.Count).Select(i => Dihedrals.Angle(frames.Frame(i), phis[k])).ToArray();
            Assert.Equal(angles.Count(x => x > 0) / (double)angles.Length, result[k].PositiveFraction, 14);
            Assert.Equal(frames.Count, result[k].Samples);
        }
    }

    [Fact]
    public void Bad_input_names_the_argument()
    {
        double[] phi = [1, -1, 2];
        Assert.Equal("weights", Assert.Throws<ArgumentException>(() => FreeEnergyDifference.Estimate(phi, [1, 1])).ParamName);
        Assert.Equal("weights", Assert.Throws<ArgumentException>(() => FreeEnergyDifference.Estimate(phi, [1, -1, 1])).ParamName);
        Assert.Equal("weights", Assert.Throws<ArgumentException>(() => FreeEnergyDifference.Estimate(phi, [0, 0, 0])).ParamName);
        Assert.Equal("phi", Assert.Throws<ArgumentException>(() => FreeEnergyDifference.Estimate([1, double.NaN])).ParamName);
        Assert.Equal("phi", Assert.Throws<ArgumentException>(() => BasinPopulations.PositiveFraction([1, double.NaN], [1, 1])).ParamName);
        Assert.Equal("phi", Assert.Throws<ArgumentException>(() => FreeEnergyDifference.Estimate([])).ParamName);
        Assert.Equal("bootstrap", Assert.Throws<ArgumentException>(() =>
            FreeEnergyDifference.Estimate(phi, bootstrap: new BootstrapOptions(BlockLength: 0))).ParamName);
        Assert.Equal("bootstrap", Assert.Throws<ArgumentException>(() =>
            FreeEnergyDifference.Estimate(phi, bootstrap: new BootstrapOptions(Confidence: 1.0))).ParamName);
        Assert.Equal("series", Assert.Throws<ArgumentException>(() =>
            FreeEnergyDifference.PerResidue([new DihedralDefinition("phi2", DihedralKind.Phi, 1, "ALA", 0, 1, 2, 3)], [])).ParamName);
    }
}
