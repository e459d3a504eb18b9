namespace BoltzmannGen.Numerics.Assignment;

/// <summary>
/// Exact minimum-cost perfect matching of n rows to n columns (the linear assignment problem): Jonker–Volgenant
/// reductions, ε-scaling auction for good dual prices, then shortest augmenting paths (Dijkstra on reduced
/// costs), which make the result exactly optimal for the costs as computed. O(n³) in the worst case; on
/// ALDP-like OT problems (d = 66) about 20·n² cost entries are evaluated in total.
/// </summary>
public static class LinearAssignment
{
    /// <summary>
    /// Solves a small dense problem held in memory (single-threaded). Every entry must be finite.
    /// Memory: the caller's matrix plus O(n) work arrays.
    /// </summary>
    public static AssignmentResult Solve(double[,] cost)
    {
        ArgumentNullException.ThrowIfNull(cost);
        int n = cost.GetLength(0);
        if (cost.GetLength(1) != n)
            throw new ArgumentException($"The cost matrix is {n}×{cost.GetLength(1)}; the assignment needs a square matrix.", nameof(cost));
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                if (!double.IsFinite(cost[i, j]))
                    throw new ArgumentException($"Row {i} of the cost matrix has a non-finite value ({cost[i, j]}) at column {j}.", nameof(cost));
        return Solve(new DenseCost(cost), threads: 1);
    }

    /// <summary>
    /// Solves a problem whose cost rows are computed on demand (the matrix is never stored). Every row is
    /// computed at least twice (column reduction, reduction transfer) and again for every bid and every
    /// shortest-path scan; a non-finite entry throws <see cref="ArgumentException"/> naming its row. Memory:
    /// about (60 + 80·threads)·n bytes of work arrays beyond what <paramref name="cost"/> holds
    /// (4 MB for n = 20,000 and two threads).
    /// </summary>
    /// <param name="threads">Threads for the row scans; 0 means <see cref="Environment.ProcessorCount"/>.</param>
    public static AssignmentResult Solve(IAssignmentCost cost, int threads = 0, IProgress<AssignmentProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cost);
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        if (threads == 0) threads = Environment.ProcessorCount;
        return new JonkerVolgenantSolver(cost, threads, progress, cancellationToken).Run();
    }

    /// <summary>
    /// Pairs point a_i (rows) with b_σ(i) (columns) minimising Σ_i ||a_i − b_σ(i)||², a and b each n × d
    /// row-major. Matrix-free: each cost entry is recomputed in float64 from the points whenever a row is read
    /// (d fused multiply-adds), never stored. Memory: the two point sets copied as float64 padded to the SIMD
    /// width (2·n·⌈d/w⌉·w·8 bytes, w = Vector&lt;double&gt;.Count; 22 MB for n = 20,000, d = 66, w = 4) plus
    /// (60 + 80·threads)·n bytes of work arrays — no n² term (26 MB in all for n = 20,000, two threads).
    /// A non-finite input throws <see cref="ArgumentException"/> naming the point set and row.
    /// </summary>
    public static AssignmentResult SolveSquaredEuclidean(ReadOnlySpan<double> a, ReadOnlySpan<double> b, int n, int d, int threads = 0,
        IProgress<AssignmentProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Solve(SquaredEuclideanCost.Create(a, b, n, d), threads, progress, cancellationToken);

    /// <inheritdoc cref="SolveSquaredEuclidean(ReadOnlySpan{double}, ReadOnlySpan{double}, int, int, int, IProgress{AssignmentProgress}?, CancellationToken)"/>
    public static AssignmentResult SolveSquaredEuclidean(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int n, int d, int threads = 0,
        IProgress<AssignmentProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Solve(SquaredEuclideanCost.Create(a, b, n, d), threads, progress, cancellationToken);
}
