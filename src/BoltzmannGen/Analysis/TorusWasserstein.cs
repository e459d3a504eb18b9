using BoltzmannGen.Numerics;
using BoltzmannGen.Numerics.Assignment;

namespace BoltzmannGen.Analysis;

/// <summary>Settings of <see cref="TorusWasserstein.Compute"/>.</summary>
/// <param name="MaxPoints">Cap m on the points matched from each set (exact assignment is O(m³) in the worst
/// case; m = 2,000 with K = 2 takes about 2 s in a Release build on 2 shared cores, 10× longer in Debug).</param>
/// <param name="Seed">Seed of the one <see cref="Xoshiro256"/> stream that draws set a's subset (or resample),
/// then set b's.</param>
/// <param name="Threads">Threads of the assignment solver's row scans when m exceeds 3,000 (the matrix-free
/// path); 0 means one per core. Up to 3,000 points the cost matrix is stored and solved on one thread.</param>
public sealed record TorusWassersteinOptions(int MaxPoints = TorusWasserstein.DefaultMaxPoints, ulong Seed = 1, int Threads = 1)
{
    public static TorusWassersteinOptions Default { get; } = new();
}

/// <summary>The outcome of a T-W2 computation.</summary>
/// <param name="Distance">T-W2 in radians: √(mean over the m matched pairs of the squared torus distance).</param>
/// <param name="Points">m, the number of points matched from each set.</param>
/// <param name="Angles">K, the angles per sample.</param>
/// <param name="SubsampledA">True when set a was reduced (uniform subset without replacement) or resampled.</param>
/// <param name="SubsampledB">The same for set b.</param>
/// <param name="ResampledA">True when set a was weighted and therefore resampled (multinomial, with replacement).</param>
/// <param name="ResampledB">The same for set b.</param>
public sealed record TorusWassersteinResult(double Distance, int Points, int Angles, bool SubsampledA, bool SubsampledB,
    bool ResampledA, bool ResampledB);

/// <summary>
/// T-W2 (docs/design.md §7.3): the 2-Wasserstein distance between two sets of dihedral vectors on the K-torus. A sample
/// is a vector of K angles in radians (any real values; only their value modulo 2π matters); the ground cost
/// between two samples is c(x, y) = Σ_k min(|Δ_k|, 2π − |Δ_k|)², Δ_k = (x_k − y_k) reduced modulo 2π, the squared
/// geodesic distance of the flat torus.
/// <para>Between two equally weighted sets of the same size m the optimal transport plan is a permutation, so
/// W2 = √(min_σ (1/m) Σ_i c(a_i, b_σ(i))) is computed exactly with <see cref="LinearAssignment"/>.</para>
/// <para>Reducing to that case (all random choices from one seeded stream, set a first):</para>
/// <list type="number">
/// <item>m = min(MaxPoints, n_a, n_b), where n is a set's size, or for a weighted set its number of
/// positive-weight samples.</item>
/// <item>An unweighted set larger than m is replaced by a uniformly random subset of m distinct samples
/// (partial Fisher–Yates); a set of exactly m samples is used whole.</item>
/// <item>A weighted set (weights given) is replaced by m draws with replacement, sample i drawn with probability
/// w_i / Σw (multinomial resampling) — an equally weighted sample of the weighted distribution. Duplicates are
/// matched like any other point. This adds resampling noise of the same order as the subsampling noise, and
/// the result estimates T-W2 to the weighted distribution, not to the raw proposals.</item>
/// </list>
/// <para>The subsets make the value a random estimate of the full-set distance (biased slightly upwards for
/// small m, as any empirical Wasserstein distance is); report m with the value.</para>
/// </summary>
public static class TorusWasserstein
{
    /// <summary>Default cap on the points matched from each set.</summary>
    public const int DefaultMaxPoints = 2000;

    /// <summary>Up to this m the m×m cost matrix is stored (72 MB at 3,000) and solved single-threaded.</summary>
    private const int DenseLimit = 3000;

    /// <summary>The squared torus distance Σ_k min(|Δ_k|, 2π − |Δ_k|)² between two angle vectors of equal length.</summary>
    public static double SquaredDistance(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        if (x.Length != y.Length)
            throw new ArgumentException($"The angle vectors have {x.Length} and {y.Length} entries; they must match.", nameof(y));
        double sum = 0;
        for (int k = 0; k < x.Length; k++)
        {
            double d = WrappedDifference(x[k] - y[k]);
            sum += d * d;
        }
        return sum;
    }

    /// <summary>
    /// T-W2 between sample sets <paramref name="a"/> and <paramref name="b"/> (a[i] is one sample's K angles in
    /// radians), each optionally weighted. See the class summary for how sets of different size or with weights
    /// are reduced to an exact equal-size assignment.
    /// </summary>
    public static TorusWassersteinResult Compute(IReadOnlyList<double[]> a, IReadOnlyList<double[]> b,
        double[]? weightsA = null, double[]? weightsB = null, TorusWassersteinOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        options ??= TorusWassersteinOptions.Default;
        if (options.MaxPoints < 1)
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxPoints, "MaxPoints must be at least 1.");
        if (options.Threads < 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.Threads, "Threads must be ≥ 0 (0 = one per core).");

        var wa = SampleWeights.Resolve(a.Count, weightsA, nameof(weightsA), nameof(a));
        var wb = SampleWeights.Resolve(b.Count, weightsB, nameof(weightsB), nameof(b));
        int k = CheckSamples(a, wa, nameof(a), -1);
        k = CheckSamples(b, wb, nameof(b), k);

        int na = weightsA is null ? a.Count : wa.Count(w => w > 0);
        int nb = weightsB is null ? b.Count : wb.Count(w => w > 0);
        int m = Math.Min(options.MaxPoints, Math.Min(na, nb));

        var random = new Xoshiro256(options.Seed);
        var ia = Choose(wa, weightsA is not null, m, random);
        var ib = Choose(wb, weightsB is not null, m, random);

        var cost = new TorusCost(Gather(a, ia, k), Gather(b, ib, k), m, k);
        // A stored matrix is ~1.5× faster than recomputing rows; above DenseLimit its m² doubles get too large.
        var result = m <= DenseLimit ? LinearAssignment.Solve(cost.ToMatrix()) : LinearAssignment.Solve(cost, options.Threads);
        double distance = Math.Sqrt(Math.Max(0, result.Cost) / m);
        return new TorusWassersteinResult(distance, m, k,
            SubsampledA: weightsA is not null || m < a.Count, SubsampledB: weightsB is not null || m < b.Count,
            ResampledA: weightsA is not null, ResampledB: weightsB is not null);
    }

    /// <summary>
    /// Turns series-first angles (series[k][i] = angle k of sample i, as <see cref="Dihedrals.Series"/> returns
    /// them) into sample-first vectors for <see cref="Compute"/>.
    /// </summary>
    public static double[][] SamplesFromSeries(IReadOnlyList<double[]> series)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (series.Count == 0) return [];
        int n = series[0].Length;
        for (int k = 1; k < series.Count; k++)
            if (series[k].Length != n)
                throw new ArgumentException($"Series 0 has {n} samples but series {k} has {series[k].Length}; they must match.", nameof(series));
        var samples = new double[n][];
        for (int i = 0; i < n; i++)
        {
            samples[i] = new double[series.Count];
            for (int k = 0; k < series.Count; k++) samples[i][k] = series[k][i];
        }
        return samples;
    }

    /// <summary>x reduced to the shorter arc: |x| modulo 2π folded into [0, π].</summary>
    private static double WrappedDifference(double x)
    {
        double d = Math.Abs(Math.IEEERemainder(x, 2 * Math.PI)); // IEEERemainder: in [−π, π]
        return Math.Min(d, 2 * Math.PI - d);
    }

    /// <summary>Checks every sample's length (returns K) and that positive-weight samples hold finite angles.</summary>
    private static int CheckSamples(IReadOnlyList<double[]> set, double[] weights, string name, int k)
    {
        for (int i = 0; i < set.Count; i++)
        {
            var s = set[i] ?? throw new ArgumentException($"'{name}'[{i}] is null.", name);
            if (k < 0)
            {
                k = s.Length;
                if (k == 0) throw new ArgumentException($"'{name}'[{i}] has no angles; every sample needs at least one.", name);
            }
            else if (s.Length != k)
                throw new ArgumentException($"'{name}'[{i}] has {s.Length} angles but the samples before it have {k}; all must have the same number.", name);
            if (weights[i] > 0)
                for (int j = 0; j < s.Length; j++)
                    if (!double.IsFinite(s[j]))
                        throw new ArgumentException($"'{name}'[{i}][{j}] is {s[j]}; angles of samples with positive weight must be finite.", name);
        }
        return k;
    }

    /// <summary>m indices: a uniform subset without replacement (unweighted), or multinomial draws (weighted).</summary>
    private static int[] Choose(double[] w, bool weighted, int m, Xoshiro256 random)
    {
        int n = w.Length;
        if (weighted)
        {
            var cumulative = new double[n];
            double c = 0;
            for (int i = 0; i < n; i++) cumulative[i] = c += w[i];
            var picks = new int[m];
            for (int j = 0; j < m; j++)
            {
                // The first i with cumulative[i] > target has w[i] > 0 (a zero weight repeats the previous sum).
                double target = random.NextDouble() * c;
                int lo = 0, hi = n - 1;
                while (lo < hi)
                {
                    int mid = (lo + hi) >>> 1;
                    if (cumulative[mid] > target) hi = mid; else lo = mid + 1;
                }
                while (w[lo] == 0) lo--; // only when rounding put target at c: take the last positive weight
                picks[j] = lo;
            }
            return picks;
        }
        var all = new int[n];
        for (int i = 0; i < n; i++) all[i] = i;
        if (m == n) return all;
        for (int j = 0; j < m; j++)
        {
            int r = j + (int)Math.BigMul(random.NextUInt64(), (ulong)(n - j), out _);
            (all[j], all[r]) = (all[r], all[j]);
        }
        return all[..m];
    }

    /// <summary>The chosen samples' angles, flattened row-major and wrapped into [−π, π].</summary>
    private static double[] Gather(IReadOnlyList<double[]> set, int[] indices, int k)
    {
        var flat = new double[indices.Length * k];
        for (int i = 0; i < indices.Length; i++)
        {
            var s = set[indices[i]];
            for (int j = 0; j < k; j++) flat[i * k + j] = Math.IEEERemainder(s[j], 2 * Math.PI);
        }
        return flat;
    }

    /// <summary>The squared torus distances, computed on demand (no m×m matrix). Angles are pre-wrapped to [−π, π].</summary>
    private sealed class TorusCost(double[] a, double[] b, int m, int k) : IAssignmentCost
    {
        public int Size => m;

        public double[,] ToMatrix()
        {
            var matrix = new double[m, m];
            var columns = Enumerable.Range(0, m).ToArray();
            var row = new double[m];
            for (int i = 0; i < m; i++)
            {
                FillRow(i, columns, row);
                for (int j = 0; j < m; j++) matrix[i, j] = row[j];
            }
            return matrix;
        }

        public void FillRow(int row, ReadOnlySpan<int> columns, Span<double> destination)
        {
            var x = a.AsSpan(row * k, k);
            for (int c = 0; c < columns.Length; c++)
            {
                var y = b.AsSpan(columns[c] * k, k);
                double sum = 0;
                for (int j = 0; j < k; j++)
                {
                    double d = Math.Abs(x[j] - y[j]); // in [0, 2π] since both are in [−π, π]
                    if (d > Math.PI) d = 2 * Math.PI - d;
                    sum += d * d;
                }
                destination[c] = sum;
            }
        }
    }
}
