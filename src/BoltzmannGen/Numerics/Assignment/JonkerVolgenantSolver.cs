using System.Diagnostics;

namespace BoltzmannGen.Numerics.Assignment;

/// <summary>
/// Exact dense linear assignment in the Jonker–Volgenant framework (Computing 38, 325 (1987)):
/// 1. column reduction and reduction transfer give dual prices v and a first partial assignment;
/// 2. ε-scaling auction phases (Bertsekas) move v close to an optimal dual — a speed-up only;
/// 3. augmenting row reduction (an auction with ε = 0) assigns most rows while keeping every assigned row at a
///    minimum of its reduced cost c − v;
/// 4. each remaining free row is assigned by a Dijkstra shortest augmenting path on c − u − v ≥ 0, and the
///    potentials are updated to stay dual feasible — this phase alone guarantees optimality.
/// O(n³) worst case. Every phase reads the cost one row (or block of rows) at a time through
/// <see cref="IAssignmentCost"/>; bids are computed by whole rows per thread, Dijkstra row scans are cut into
/// per-thread column chunks. Ties are broken by index and in a fixed order, so the result does not depend on the
/// thread count.
/// </summary>
internal sealed partial class JonkerVolgenantSolver
{
    // Below this many columns per chunk a Dijkstra row scan stays on one thread: the fork/join costs more than it saves.
    private const int MinColumnsPerChunk = 2048;
    // Rows filled together by a block cost (and per thread in a bid batch).
    private const int BlockRows = 8;
    // Row-reduction passes after the auction; at n = 10,000 four passes left 14 rows for Dijkstra instead of 98 with two.
    private const int RowReductionPasses = 4;
    private static readonly TimeSpan ReportInterval = TimeSpan.FromMilliseconds(250);

    private readonly IAssignmentCost _cost;
    private readonly IBlockAssignmentCost? _blockCost;
    private readonly int _n;
    private readonly ChunkRunner _runner;
    private readonly IProgress<AssignmentProgress>? _progress;
    private readonly CancellationToken _cancel;
    private readonly int[] _colOfRow, _rowOfCol, _allColumns;
    private readonly double[] _u, _v;
    private readonly double[][] _threadRows; // per-thread buffers of BlockRows cost rows
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _lastReport = TimeSpan.MinValue;
    private int _assigned;

    public JonkerVolgenantSolver(IAssignmentCost cost, int threads, IProgress<AssignmentProgress>? progress, CancellationToken cancel)
    {
        _cost = cost;
        _blockCost = cost as IBlockAssignmentCost;
        _n = cost.Size;
        _runner = new ChunkRunner(Math.Max(1, threads));
        _progress = progress;
        _cancel = cancel;
        _colOfRow = new int[_n];
        _rowOfCol = new int[_n];
        Array.Fill(_colOfRow, -1);
        Array.Fill(_rowOfCol, -1);
        _allColumns = Enumerable.Range(0, _n).ToArray();
        _u = new double[_n];
        _v = new double[_n];
        _threadRows = Enumerable.Range(0, _runner.Threads).Select(_ => new double[BlockRows * _n]).ToArray();
        _row = new double[_n];
        _dist = new double[_n];
        _pred = new int[_n];
        _remaining = new int[_n];
    }

    /// <summary>Bids made by the auction and row-reduction phases (one full row scan each), for diagnostics.</summary>
    public long Bids { get; private set; }

    /// <summary>Rows left for the shortest-path phase, for diagnostics.</summary>
    public int ShortestPathRows { get; private set; }

    public AssignmentResult Run()
    {
        if (_n == 0) return new AssignmentResult([], 0, [], []);
        var (matches, spread) = ColumnReduction();
        ReductionTransfer(matches);
        AuctionPhases(spread);
        var free = Enumerable.Range(0, _n).Where(i => _colOfRow[i] < 0).ToList();
        for (int pass = 0; pass < RowReductionPasses && free.Count > 0; pass++) free = AugmentingRowReduction(free);
        SetRowPotentialsOfAssignedRows();
        ShortestPathRows = free.Count;
        foreach (int i in free)
        {
            _cancel.ThrowIfCancellationRequested();
            Augment(i);
            _assigned++;
            Report(AssignmentPhase.Augmentation);
        }
        Report(AssignmentPhase.Done, force: true);
        return new AssignmentResult((int[])_colOfRow.Clone(), AssignedCost(), (double[])_u.Clone(), (double[])_v.Clone());
    }

    /// <summary>
    /// v_j = min_i c(i, j); a row takes the (last-scanned) column whose minimum it holds. Also checks that every
    /// cost is finite (this is the one phase that reads them all). Returns how many column minima each row holds,
    /// and the spread max c − min c that scales the auction's ε.
    /// </summary>
    private (int[] Matches, double Spread) ColumnReduction()
    {
        Report(AssignmentPhase.ColumnReduction, force: true);
        int n = _n;
        int chunks = _runner.ChunksFor(n, BlockRows);
        var minima = new double[chunks][];
        var argmin = new int[chunks][];
        var maxima = new double[chunks];
        _runner.Run(n, chunks, (c, start, end) =>
        {
            var min = new double[n];
            var arg = new int[n];
            var rows = _threadRows[c];
            Array.Fill(min, double.PositiveInfinity);
            double max = double.NegativeInfinity;
            for (int block = start; block < end && !_cancel.IsCancellationRequested; block += BlockRows)
            {
                int count = Math.Min(BlockRows, end - block);
                FillRows(_allColumns.AsSpan(block, count), rows);
                for (int r = 0; r < count; r++)
                    for (int j = 0; j < n; j++)
                    {
                        double x = rows[r * n + j];
                        if (!double.IsFinite(x))
                            throw new ArgumentException($"The assignment cost of row {block + r}, column {j} is {x}; costs must be finite.");
                        if (x < min[j]) (min[j], arg[j]) = (x, block + r);
                        if (x > max) max = x;
                    }
            }
            (minima[c], argmin[c], maxima[c]) = (min, arg, max);
        });
        _cancel.ThrowIfCancellationRequested();

        // Merge chunk minima in chunk order with a strict '<': the smallest row index wins ties.
        var best = minima[0];
        var bestRow = argmin[0];
        for (int c = 1; c < chunks; c++)
            for (int j = 0; j < n; j++)
                if (minima[c][j] < best[j]) (best[j], bestRow[j]) = (minima[c][j], argmin[c][j]);
        Array.Copy(best, _v, n);

        var matches = new int[n];
        for (int j = n - 1; j >= 0; j--)
        {
            int i = bestRow[j];
            if (matches[i]++ == 0) Assign(i, j);
            else if (_v[j] < _v[_colOfRow[i]])
            {
                _rowOfCol[_colOfRow[i]] = -1;
                Assign(i, j);
            }
        }
        _assigned = _colOfRow.Count(j => j >= 0);
        return (matches, maxima.Max() - best.Min());
    }

    /// <summary>
    /// For a row that is the minimum of exactly one column j1, lower v_j1 by the row's second smallest reduced
    /// cost, so j1 stays the row's minimum with a tie: free rows then find j1 less attractive. All rows read the
    /// same (old) v, which keeps the result independent of thread count; v only decreases, so feasibility holds.
    /// </summary>
    private void ReductionTransfer(int[] matches)
    {
        Report(AssignmentPhase.ReductionTransfer, force: true);
        int n = _n;
        int[] rows = Enumerable.Range(0, n).Where(i => matches[i] == 1).ToArray();
        var mu = new double[rows.Length];
        _runner.Run(rows.Length, _runner.ChunksFor(rows.Length, BlockRows), (c, start, end) =>
        {
            var buffer = _threadRows[c];
            for (int block = start; block < end && !_cancel.IsCancellationRequested; block += BlockRows)
            {
                int count = Math.Min(BlockRows, end - block);
                FillRows(rows.AsSpan(block, count), buffer);
                for (int r = 0; r < count; r++)
                {
                    int j1 = _colOfRow[rows[block + r]];
                    double min = double.PositiveInfinity;
                    for (int j = 0; j < n; j++)
                        if (j != j1 && buffer[r * n + j] - _v[j] < min) min = buffer[r * n + j] - _v[j];
                    mu[block + r] = n > 1 ? min : 0;
                }
            }
        });
        _cancel.ThrowIfCancellationRequested();
        for (int k = 0; k < rows.Length; k++) _v[_colOfRow[rows[k]]] -= mu[k];
    }

    /// <summary>u_i = c(i, σ(i)) − v_σ(i), which with the row-reduction invariant makes c − u − v ≥ 0 on assigned rows.</summary>
    private void SetRowPotentialsOfAssignedRows()
    {
        for (int i = 0; i < _n; i++)
            if (_colOfRow[i] >= 0) _u[i] = Entry(i, _colOfRow[i]) - _v[_colOfRow[i]];
    }

    private double AssignedCost()
    {
        double sum = 0;
        for (int i = 0; i < _n; i++) sum += Entry(i, _colOfRow[i]);
        return sum;
    }

    private double Entry(int i, int j)
    {
        Span<int> column = [j];
        Span<double> cost = [0.0];
        _cost.FillRow(i, column, cost);
        return cost[0];
    }

    /// <summary>Whole rows into buffer[r·n ..]: through the block kernel when the cost has one.</summary>
    private void FillRows(ReadOnlySpan<int> rows, double[] buffer)
    {
        if (_blockCost != null) _blockCost.FillRows(rows, buffer);
        else
            for (int r = 0; r < rows.Length; r++) _cost.FillRow(rows[r], _allColumns, buffer.AsSpan(r * _n, _n));
    }

    private void Assign(int i, int j)
    {
        _colOfRow[i] = j;
        _rowOfCol[j] = i;
    }

    private void Report(AssignmentPhase phase, bool force = false)
    {
        if (_progress == null) return;
        var now = _clock.Elapsed;
        if (!force && now - _lastReport < ReportInterval) return;
        _lastReport = now;
        _progress.Report(new AssignmentProgress(phase, _assigned, _n));
    }
}
