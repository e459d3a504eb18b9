using BoltzmannGen.Analysis;

namespace BoltzmannGen.Tests.Analysis;

/// <summary>
/// E-W1/E-W2 against brute force: for equal-size unweighted samples W_p^p = mean |a_(i) − b_(i)|^p over the sorted
/// values; unequal sizes and integer weights reduce to that case by repeating samples.
/// </summary>
public class EnergyWassersteinTests
{
    /// <summary>(mean over i of |sorted(a)_i − sorted(b)_i|^p)^(1/p), a and b of equal length.</summary>
    private static double BruteForce(double[] a, double[] b, double p)
    {
        Assert.Equal(a.Length, b.Length);
        var sa = a.OrderBy(x => x).ToArray();
        var sb = b.OrderBy(x => x).ToArray();
        double sum = 0;
        for (int i = 0; i < sa.Length; i++) sum += Math.Pow(Math.Abs(sa[i] - sb[i]), p);
        return Math.Pow(sum / sa.Length, 1 / p);
    }

    /// <summary>Each value repeated as often as its integer weight.</summary>
    private static double[] Expand(double[] values, int[] counts) =>
        values.SelectMany((v, i) => Enumerable.Repeat(v, counts[i])).ToArray();

    private static double[] Repeat(double[] values, int times) => values.SelectMany(v => Enumerable.Repeat(v, times)).ToArray();

    [Fact]
    public void Equal_size_unweighted_matches_sorted_pairs()
    {
        var a = SeededNormal.Draw(1, 57).Select(x => 3 * x + 10).ToArray();
        var random = new Random(2);
        var b = Enumerable.Range(0, 57).Select(_ => -Math.Log(1 - random.NextDouble()) * 4 + 7).ToArray(); // exponential
        Assert.Equal(BruteForce(a, b, 1), EnergyWasserstein.W1(a, b), 12);
        Assert.Equal(BruteForce(a, b, 2), EnergyWasserstein.W2(a, b), 12);
        Assert.Equal(BruteForce(a, b, 3), EnergyWasserstein.Distance(a, b, 3), 12);
    }

    [Fact]
    public void Unequal_sizes_match_brute_force_on_repeated_samples()
    {
        // a with 7 points and b with 4 equal the empirical measures of a repeated 4× and b repeated 7× (28 points each).
        var a = SeededNormal.Draw(3, 7);
        var b = SeededNormal.Draw(4, 4).Select(x => 0.5 * x + 1).ToArray();
        Assert.Equal(BruteForce(Repeat(a, 4), Repeat(b, 7), 1), EnergyWasserstein.W1(a, b), 12);
        Assert.Equal(BruteForce(Repeat(a, 4), Repeat(b, 7), 2), EnergyWasserstein.W2(a, b), 12);
        Assert.Equal(EnergyWasserstein.W2(a, b), EnergyWasserstein.W2(b, a), 12);
    }

    [Fact]
    public void Integer_weights_match_brute_force_on_expanded_samples()
    {
        var a = SeededNormal.Draw(5, 9);
        var b = SeededNormal.Draw(6, 6).Select(x => x + 0.7).ToArray();
        int[] ca = [1, 3, 0, 2, 1, 4, 1, 2, 1]; // 15 in all
        int[] cb = [2, 1, 5, 1, 0, 1];          // 10 in all
        // Expanded: a has 15 points, b has 10; repeat to 150 each.
        var ea = Repeat(Expand(a, ca), 10);
        var eb = Repeat(Expand(b, cb), 15);
        // Scaled weights: only their ratios may matter.
        var wa = ca.Select(c => 0.37 * c).ToArray();
        var wb = cb.Select(c => 1e-3 * c).ToArray();
        Assert.Equal(BruteForce(ea, eb, 1), EnergyWasserstein.W1(a, b, wa, wb), 12);
        Assert.Equal(BruteForce(ea, eb, 2), EnergyWasserstein.W2(a, b, wa, wb), 12);
    }

    [Fact]
    public void One_weighted_side_against_an_unweighted_expansion()
    {
        double[] a = [1, 2, 3];
        double[] wa = [1, 2, 1]; // = {1, 2, 2, 3}
        double[] b = [0, 5, 2.5, 2];
        var ea = Expand(a, [1, 2, 1]);
        Assert.Equal(BruteForce(ea, b, 1), EnergyWasserstein.W1(a, b, wa), 12);
        Assert.Equal(BruteForce(ea, b, 2), EnergyWasserstein.W2(a, b, wa), 12);
        // Hand value: sorted {1,2,2,3} vs {0,2,2.5,5}: |1|,|0|,|0.5|,|2| → W1 = 3.5/4, W2 = √(5.25/4).
        Assert.Equal(3.5 / 4, EnergyWasserstein.W1(a, b, wa), 12);
        Assert.Equal(Math.Sqrt(5.25 / 4), EnergyWasserstein.W2(a, b, wa), 12);
    }

    [Fact]
    public void A_shifted_distribution_is_at_distance_shift_in_W1_and_W2()
    {
        var a = SeededNormal.Draw(7, 1000).Select(x => 40 + 5 * x).ToArray();
        var b = a.Select(x => x + 2.5).ToArray();
        var random = new Random(8);
        var w = a.Select(_ => random.NextDouble()).ToArray();
        Assert.Equal(2.5, EnergyWasserstein.W1(a, b), 10);
        Assert.Equal(2.5, EnergyWasserstein.W2(a, b), 10);
        Assert.Equal(2.5, EnergyWasserstein.W1(a, b, w, w), 10);
        Assert.Equal(2.5, EnergyWasserstein.W2(a, b, w, w), 10);
        Assert.Equal(0, EnergyWasserstein.W2(a, a.Reverse().ToArray()), 12);
    }

    [Fact]
    public void Two_normals_with_different_widths_match_the_analytic_W2()
    {
        // W2(N(m1, s1²), N(m2, s2²))² = (m1 − m2)² + (s1 − s2)²; quantile samples make the empirical laws close.
        int n = 20_000;
        var normal = new MathNet.Numerics.Distributions.Normal(0, 1);
        var q = Enumerable.Range(0, n).Select(i => normal.InverseCumulativeDistribution((i + 0.5) / n)).ToArray();
        var a = q.Select(z => 1 + 2 * z).ToArray();
        var b = q.Select(z => 4 + 3 * z).Reverse().ToArray();
        Assert.InRange(EnergyWasserstein.W2(a, b), Math.Sqrt(10) - 2e-3, Math.Sqrt(10) + 2e-3);
        // W1 under the monotone coupling: E|3 + Z| = 3(1 − 2Φ(−3)) + 2φ(3) for Z ~ N(0, 1).
        double w1 = 3 * (1 - 2 * normal.CumulativeDistribution(-3)) + 2 * normal.Density(3);
        Assert.InRange(EnergyWasserstein.W1(a, b), w1 - 2e-3, w1 + 2e-3);
    }

    [Fact]
    public void Zero_weight_samples_are_ignored_even_when_not_finite()
    {
        double[] a = [1, double.NaN, 2, double.PositiveInfinity, 3];
        double[] wa = [1, 0, 1, 0, 1];
        double[] b = [0.5, 4, 2];
        Assert.Equal(EnergyWasserstein.W2([1, 2, 3], b), EnergyWasserstein.W2(a, b, wa), 14);
        Assert.Equal(EnergyWasserstein.W1([1, 2, 3], b), EnergyWasserstein.W1(a, b, wa), 14);
    }

    [Fact]
    public void Bad_input_names_the_argument()
    {
        double[] a = [1, 2, 3], b = [1, 2];
        Assert.Equal("weightsA", Assert.Throws<ArgumentException>(() => EnergyWasserstein.W1(a, b, [1, 1])).ParamName);
        Assert.Equal("weightsB", Assert.Throws<ArgumentException>(() => EnergyWasserstein.W1(a, b, null, [1, -1])).ParamName);
        Assert.Equal("weightsA", Assert.Throws<ArgumentException>(() => EnergyWasserstein.W2(a, b, [0, 0, 0])).ParamName);
        Assert.Equal("weightsA", Assert.Throws<ArgumentException>(() => EnergyWasserstein.W2(a, b, [1, double.NaN, 1])).ParamName);
        Assert.Equal("a", Assert.Throws<ArgumentException>(() => EnergyWasserstein.W1([1, double.NaN], b)).ParamName);
        Assert.Equal("b", Assert.Throws<ArgumentException>(() => EnergyWasserstein.W1(a, [1, double.PositiveInfinity], null, [1, 0.5])).ParamName);
        Assert.Equal("b", Assert.Throws<ArgumentException>(() => EnergyWasserstein.W1(a, [])).ParamName);
        Assert.Equal("p", Assert.Throws<ArgumentOutOfRangeException>(() => EnergyWasserstein.Distance(a, b, 0.5)).ParamName);
        var message = Assert.Throws<ArgumentException>(() => EnergyWasserstein.W1([1, double.NaN], b)).Message;
        Assert.Contains("[1]", message);
    }
}
