using System.Diagnostics;

namespace BoltzmannGen.Training.Targets;

/// <summary>
/// Exact dense linear assignment after Jonker &amp; Volgenant (Computing 38, 325 (1987)): column reduction,
/// reduction transfer and two passes of augmenting row reduction give most rows a column cheaply, then each
/// remaining free row is assigned by a Dijkstra shortest augmenting path on reduced costs c − u − v, with the
/// potentials updated so they stay dual feasible. O(n³) worst case; every phase reads the cost one row at a
/// time through <see cref="IAssignmentCost"/>, and each row scan is cut into per-thread column chunks.
/// Ties are broken by index in chunk order, so the result is the same for any thread count.
/// </summary>
internal sealed partial class JonkerVolgenantSolver
{
    // Below this many columns per chunk a row scan runs on one thread: the fork/join costs more than it saves.
    private const int MinColumnsPerChunk = 1024;
    private static readonly TimeSpan ReportInterval = TimeSpan.FromMilliseconds(250);

    private readonly IAssignmentCost _cost;
    private readonly int _n;
    private readonly ChunkRunner _runner;
    private readonly IProgress<AssignmentProgress>? _progress;
    private readonly CancellationToken _cancel;
    private readonly int[] _colOfRow, _rowOfCol, _allColumns;
    private readonly double[] _u, _v;
    private readonly double[] _row; // one cost row, filled by chunks on disjoint slices
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _lastReport = TimeSpan.MinValue;
    private int _assigned;
    private double _spread;
    internal int FreeAfterRowReduction;

    public JonkerVolgenantSolver(IAssignmentCost cost, int threads, IProgress<AssignmentProgress>? progress, CancellationToken cancel)
    {
        _cost = cost;
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
        _row = new double[_n];
        _dist = new double[_n];
        _pred = new int[_n];
        _remaining = new int[_n];
    }

    public AssignmentResult Run()
    {
        if (_n == 0) return new AssignmentResult([], 0, [], []);
        int[] matches = ColumnReduction();
        if (UseTransfer) ReductionTransfer(matches);
        AuctionPhases(_spread);
        var free = Enumerable.Range(0, _n).Where(i => _colOfRow[i] < 0).ToList();
        for (int pass = 0; pass < RowReductionPasses && free.Count > 0; pass++) free = AugmentingRowReduction(free);
        FreeAfterRowReduction = free.Count;
        SetRowPotentialsOfAssignedRows();
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

    /// <summary>v_j = min_i c(i, j); a row takes the (last-scanned) column whose minimum it holds. Returns how many column minima each row holds.</summary>
    private int[] ColumnReduction()
    {
        Report(AssignmentPhase.ColumnReduction, force: true);
        int n = _n;
        int chunks = _runner.ChunksFor(n, 8);
        var minima = new double[chunks][];
        var argmin = new int[chunks][];
        var maxima = new double[chunks];
        _runner.Run(n, chunks, (c, start, end) =>
        {
            var min = new double[n];
            var arg = new int[n];
            var row = new double[n];
            Array.Fill(min, double.PositiveInfinity);
            double max = double.NegativeInfinity;
            for (int i = start; i < end && !_cancel.IsCancellationRequested; i++)
            {
                _cost.FillRow(i, _allColumns, row);
                for (int j = 0; j < n; j++)
                {
                    double x = row[j];
                    if (!double.IsFinite(x))
                        throw new ArgumentException($"The assignment cost of row {i}, column {j} is {x}; costs must be finite.");
                    if (x < min[j]) (min[j], arg[j]) = (x, i);
                    if (x > max) max = x;
                }
            }
            minima[c] = min;
            argmin[c] = arg;
            maxima[c] = max;
        });
        _cancel.ThrowIfCancellationRequested();

        // Merge chunk minima in chunk order with a strict '<': the smallest row index wins ties.
        var best = minima[0];
        var bestRow = argmin[0];
        for (int c = 1; c < chunks; c++)
            for (int j = 0; j < n; j++)
                if (minima[c][j] < best[j]) (best[j], bestRow[j]) = (minima[c][j], argmin[c][j]);
        Array.Copy(best, _v, n);
        _spread = maxima.Max() - best.Min();

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
        return matches;
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
        _runner.Run(rows.Length, _runner.ChunksFor(rows.Length, 8), (_, start, end) =>
        {
            var row = new double[n];
            for (int k = start; k < end && !_cancel.IsCancellationRequested; k++)
            {
                int i = rows[k], j1 = _colOfRow[i];
                _cost.FillRow(i, _allColumns, row);
                double min = double.PositiveInfinity;
                for (int j = 0; j < n; j++)
                    if (j != j1 && row[j] - _v[j] < min) min = row[j] - _v[j];
                mu[k] = n > 1 ? min : 0;
            }
        });
        _cancel.ThrowIfCancellationRequested();
        for (int k = 0; k < rows.Length; k++) _v[_colOfRow[rows[k]]] -= mu[k];
    }

    /// <summary>u_i = c(i, σ(i)) − v_σ(i), which with the row-reduction invariant makes c − u − v ≥ 0 on assigned rows.</summary>
    private void SetRowPotentialsOfAssignedRows()
    {
        Span<int> column = stackalloc int[1];
        Span<double> cost = stackalloc double[1];
        for (int i = 0; i < _n; i++)
        {
            if (_colOfRow[i] < 0) continue;
            column[0] = _colOfRow[i];
            _cost.FillRow(i, column, cost);
            _u[i] = cost[0] - _v[column[0]];
        }
    }

    private double AssignedCost()
    {
        Span<int> column = stackalloc int[1];
        Span<double> cost = stackalloc double[1];
        double sum = 0;
        for (int i = 0; i < _n; i++)
        {
            column[0] = _colOfRow[i];
            _cost.FillRow(i, column, cost);
            sum += cost[0];
        }
        return sum;
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
