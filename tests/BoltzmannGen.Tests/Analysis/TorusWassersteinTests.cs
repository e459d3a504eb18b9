using BoltzmannGen.Analysis;

namespace BoltzmannGen.Tests.Analysis;

/// <summary>T-W2 against brute force over all permutations and on cases with a known answer.</summary>
public class TorusWassersteinTests
{
    private const double Deg = Math.PI / 180;

    /// <summary>Torus distance written independently: d = (x − y) mod 2π in [0, 2π), then the shorter way round.</summary>
    private static double Cost(double[] x, double[] y)
    {
        double sum = 0;
        for (int k = 0; k < x.Length; k++)
        {
            double d = (x[k] - y[k]) % (2 * Math.PI);
            if (d < 0) d += 2 * Math.PI;
            d = Math.Min(d, 2 * Math.PI - d);
            sum += d * d;
        }
        return sum;
    }

    /// <summary>√(min over all n! permutations of the mean cost).</summary>
    private static double BruteForce(double[][] a, double[][] b)
    {
        int n = a.Length;
        var perm = Enumerable.Range(0, n).ToArray();
        double best = double.PositiveInfinity;
        void Recurse(int depth, double partial)
        {
            if (partial >= best) return;
            if (depth == n) { best = partial; return; }
            for (int i = depth; i < n; i++)
            {
                (perm[depth], perm[i]) = (perm[i], perm[depth]);
                Recurse(depth + 1, partial + Cost(a[depth], b[perm[depth]]));
                (perm[depth], perm[i]) = (perm[i], perm[depth]);
            }
        }
        Recurse(0, 0);
        return Math.Sqrt(best / n);
    }

    private static double[][] RandomAngles(Random random, int n, int k, double spread = Math.PI) =>
        Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, k).Select(_ => (2 * random.NextDouble() - 1) * spread).ToArray()).ToArray();

    [Fact]
    public void Matches_brute_force_over_all_permutations_on_small_sets()
    {
        var random = new Random(11);
        for (int n = 1; n <= 7; n++)
            for (int k = 1; k <= 3; k++)
                for (int rep = 0; rep < 3; rep++)
                {
                    var a = RandomAngles(random, n, k);
                    var b = RandomAngles(random, n, k);
                    if (rep == 2) b = b.Select(v => v.Select(x => x + 6 * Math.PI).ToArray()).ToArray(); // off (−π, π]: same angles
                    var result = TorusWasserstein.Compute(a, b);
                    Assert.Equal(BruteForce(a, b), result.Distance, 10);
                    Assert.Equal(n, result.Points);
                    Assert.Equal(k, result.Angles);
                    Assert.False(result.SubsampledA || result.SubsampledB);
                }
    }

    [Fact]
    public void Identical_sets_in_any_order_are_at_distance_zero()
    {
        var random = new Random(12);
        var a = RandomAngles(random, 300, 4);
        var b = a.OrderBy(_ => random.Next()).ToArray();
        Assert.Equal(0, TorusWasserstein.Compute(a, b).Distance, 12);
    }

    [Fact]
    public void Shifting_every_angle_by_delta_gives_sqrt_K_delta()
    {
        // Points on a coarse grid (spacing 2π/3, jitter ±0.05) include angles near ±π, so the shift wraps. Each point's
        // nearest shifted point is its own image (others are ≥ 2π/3 − 0.3 away in some angle), so the identity is optimal.
        const int k = 3;
        const double delta = 0.1;
        var random = new Random(13);
        var a = new List<double[]>();
        for (int i = 0; i < 27; i++)
            a.Add([(i % 3) * 2 * Math.PI / 3 + Math.PI - 0.02 + 0.1 * (random.NextDouble() - 0.5),
                   (i / 3 % 3) * 2 * Math.PI / 3 - 1 + 0.1 * (random.NextDouble() - 0.5),
                   (i / 9) * 2 * Math.PI / 3 + 0.5 + 0.1 * (random.NextDouble() - 0.5)]);
        var b = a.Select(v => v.Select(x => x + delta).ToArray()).ToList();
        Assert.Equal(Math.Sqrt(k) * delta, TorusWasserstein.Compute(a, b).Distance, 10);
    }

    [Fact]
    public void Angles_either_side_of_the_cut_are_close()
    {
        Assert.Equal(2 * Deg, TorusWasserstein.Compute([[179 * Deg]], [[-179 * Deg]]).Distance, 12);
        Assert.Equal(4 * Deg * 4 * Deg, TorusWasserstein.SquaredDistance([-178 * Deg, 0], [178 * Deg, 0]), 12);
        // Two points each: the matching that uses the wrap is the optimal one.
        var result = TorusWasserstein.Compute([[179 * Deg, 0], [0, 0]], [[10 * Deg, 0], [-179 * Deg, 0]]);
        Assert.Equal(Math.Sqrt(((2 * Deg) * (2 * Deg) + (10 * Deg) * (10 * Deg)) / 2), result.Distance, 12);
    }

    [Fact]
    public void Larger_set_is_subsampled_reproducibly_to_the_smaller_size_and_the_cap()
    {
        var random = new Random(14);
        var a = RandomAngles(random, 80, 2);
        var b = RandomAngles(random, 30, 2, spread: 1.0);
        var r1 = TorusWasserstein.Compute(a, b, options: new TorusWassersteinOptions(Seed: 5));
        var r2 = TorusWasserstein.Compute(a, b, options: new TorusWassersteinOptions(Seed: 5));
        Assert.Equal(30, r1.Points);
        Assert.True(r1.SubsampledA);
        Assert.False(r1.SubsampledB);
        Assert.Equal(r1.Distance, r2.Distance);

        var capped = TorusWasserstein.Compute(a, b, options: new TorusWassersteinOptions(MaxPoints: 10, Seed: 5));
        Assert.Equal(10, capped.Points);
        Assert.True(capped.SubsampledA && capped.SubsampledB);
    }

    [Fact]
    public void Subsampled_result_is_the_exact_distance_of_one_equal_size_subset()
    {
        // a has 7 points, b has 4: the result must be the brute-force T-W2 between b and one of the C(7,4) = 35 subsets.
        var random = new Random(15);
        var a = RandomAngles(random, 7, 2);
        var b = RandomAngles(random, 4, 2);
        var result = TorusWasserstein.Compute(a, b, options: new TorusWassersteinOptions(Seed: 9));
        Assert.Equal(4, result.Points);
        var candidates = new List<double>();
        for (int mask = 0; mask < 1 << 7; mask++)
            if (System.Numerics.BitOperations.PopCount((uint)mask) == 4)
                candidates.Add(BruteForce(Enumerable.Range(0, 7).Where(i => (mask >> i & 1) == 1).Select(i => a[i]).ToArray(), b));
        Assert.Equal(35, candidates.Count);
        Assert.Contains(candidates, d => Math.Abs(d - result.Distance) < 1e-10);
        // Different seeds pick different subsets (with overwhelming probability some differ).
        var values = Enumerable.Range(0, 20).Select(seed =>
            TorusWasserstein.Compute(a, b, options: new TorusWassersteinOptions(Seed: (ulong)seed)).Distance).Distinct().Count();
        Assert.True(values > 1);
    }

    [Fact]
    public void A_weighted_set_with_all_weight_on_one_point_resamples_to_that_point()
    {
        // Weight only on a[2] (the others are zero, one even NaN): every resampled point is a[2]. One positive-weight
        // sample means m = 1, so b is cut to one random point: the result is the distance to one of b's points.
        double[][] a = [[0.3, 0.1], [double.NaN, 1.0], [2.0, -2.5], [1.0, 1.0]];
        double[] wa = [0, 0, 4.2, 0];
        var random = new Random(16);
        var b = RandomAngles(random, 12, 2);
        var result = TorusWasserstein.Compute(a, b, wa);
        Assert.Equal(1, result.Points);
        Assert.True(result.ResampledA && result.SubsampledB && !result.ResampledB);
        Assert.Contains(b, v => Math.Abs(Math.Sqrt(Cost(a[2], v)) - result.Distance) < 1e-12);

        // Two positive weights on copies of a[2] and two points in b: m = 2, both resampled points are a[2], every
        // matching costs the same and T-W2² = mean_j c(a[2], b_j).
        double[][] a2 = [a[2], [double.NaN, 0.0], a[2]];
        var b2 = b.Take(2).ToArray();
        var r2 = TorusWasserstein.Compute(a2, b2, [1, 0, 3]);
        Assert.Equal(2, r2.Points);
        Assert.Equal(Math.Sqrt(b2.Average(v => Cost(a[2], v))), r2.Distance, 12);
    }

    [Fact]
    public void Weighted_resampling_approaches_the_expanded_distribution()
    {
        // a: 200 copies of p with weight 3 and 200 of q with weight 1, i.e. the law ¾δ_p + ¼δ_q; b: 300 p and 100 q,
        // the same law. Multinomial resampling of a gives k copies of p (k ~ Binomial(400, ¾)), and the optimal
        // matching moves |k − 300| points between p and q: T-W2² = |k − 300|·c(p, q)/400 with |k − 300| < 4σ.
        double[] p = [0.5, -1.0], q = [-2.0, 2.0];
        var b = Enumerable.Repeat(p, 300).Concat(Enumerable.Repeat(q, 100)).ToArray();
        var a = Enumerable.Repeat(p, 200).Concat(Enumerable.Repeat(q, 200)).ToArray();
        var wa = Enumerable.Repeat(3.0, 200).Concat(Enumerable.Repeat(1.0, 200)).ToArray();
        var r = TorusWasserstein.Compute(a, b, wa, options: new TorusWassersteinOptions(Seed: 3));
        Assert.Equal(400, r.Points);
        double moved = r.Distance * r.Distance * 400 / Cost(p, q);
        Assert.Equal(Math.Round(moved), moved, 6);
        Assert.InRange(moved, 0, 4 * Math.Sqrt(400 * 0.75 * 0.25));
        // Without the weights the same set is ½δ_p + ½δ_q: 100 points must move.
        var unweighted = TorusWasserstein.Compute(a, b);
        Assert.Equal(100, unweighted.Distance * unweighted.Distance * 400 / Cost(p, q), 6);
    }

    [Fact]
    public void Default_options_cap_at_2000_points_and_the_cap_applies_to_both_sets()
    {
        // The default cap itself takes ~2 s in Release but ~20 s in a Debug test run, so the cap is exercised smaller.
        Assert.Equal(2000, TorusWasserstein.DefaultMaxPoints);
        Assert.Equal(TorusWasserstein.DefaultMaxPoints, TorusWassersteinOptions.Default.MaxPoints);
        var random = new Random(17);
        var a = RandomAngles(random, 2500, 2);
        var b = RandomAngles(random, 2200, 2, spread: 2.0);
        var result = TorusWasserstein.Compute(a, b, options: new TorusWassersteinOptions(MaxPoints: 300));
        Assert.Equal(300, result.Points);
        Assert.True(result.SubsampledA && result.SubsampledB && !result.ResampledA && !result.ResampledB);
        Assert.InRange(result.Distance, 0.1, Math.PI * Math.Sqrt(2));
    }

    [Fact]
    public void Series_are_transposed_to_samples()
    {
        double[][] series = [[1, 2, 3], [4, 5, 6]];
        var samples = TorusWasserstein.SamplesFromSeries(series);
        Assert.Equal(3, samples.Length);
        Assert.Equal([2.0, 5.0], samples[1]);
    }

    [Fact]
    public void Bad_input_names_the_argument()
    {
        double[][] a = [[0.1, 0.2], [0.3, 0.4]];
        double[][] b = [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]];
        Assert.Equal("b", Assert.Throws<ArgumentException>(() => TorusWasserstein.Compute(a, [[0.1, 0.2], [0.3]])).ParamName);
        Assert.Equal("b", Assert.Throws<ArgumentException>(() => TorusWasserstein.Compute(a, [[0.1, 0.2, 0.3]])).ParamName);
        Assert.Equal("a", Assert.Throws<ArgumentException>(() => TorusWasserstein.Compute([[0.1, double.NaN], [0.3, 0.4]], b)).ParamName);
        Assert.Equal("weightsA", Assert.Throws<ArgumentException>(() => TorusWasserstein.Compute(a, b, [1.0])).ParamName);
        Assert.Equal("weightsB", Assert.Throws<ArgumentException>(() => TorusWasserstein.Compute(a, b, null, [1, -1, 1])).ParamName);
        Assert.Equal("weightsB", Assert.Throws<ArgumentException>(() => TorusWasserstein.Compute(a, b, null, [0, 0, 0])).ParamName);
        Assert.Equal("a", Assert.Throws<ArgumentException>(() => TorusWasserstein.Compute([], b)).ParamName);
        Assert.Equal("options", Assert.Throws<ArgumentOutOfRangeException>(() =>
            TorusWasserstein.Compute(a, b, options: new TorusWassersteinOptions(MaxPoints: 0))).ParamName);
    }
}
