namespace BoltzmannGen.Numerics.Assignment;

internal sealed partial class JonkerVolgenantSolver
{
    private readonly double[] _row;       // costs of the row being scanned, by position in _remaining
    private readonly double[] _dist;      // shortest reduced path length to each column
    private readonly int[] _pred;         // row from which each column was last reached
    private readonly int[] _remaining;    // columns not yet scanned, [0, remainingCount)
    private readonly List<int> _scannedRows = [];
    private readonly List<int> _scannedColumns = [];

    /// <summary>
    /// Assigns free row <paramref name="start"/> by a shortest augmenting path (Dijkstra on c − u − v ≥ 0): scan
    /// the newest row against the unscanned columns, settle the nearest column (a free one first among ties), and
    /// stop at the first free column settled. Then shift u, v by the path lengths, which keeps c − u − v ≥ 0 and
    /// makes the new path tight, and flip the path. u_start may be anything finite: it only offsets all lengths.
    /// </summary>
    private void Augment(int start)
    {
        Array.Fill(_dist, double.PositiveInfinity);
        Array.Copy(_allColumns, _remaining, _n);
        int remaining = _n;
        _scannedRows.Clear();
        _scannedColumns.Clear();

        double minVal = 0;
        int i = start, sink = -1;
        while (sink < 0)
        {
            _scannedRows.Add(i);
            var (lowest, position) = ScanRow(i, minVal, remaining);
            if (!double.IsFinite(lowest))
                throw new InvalidOperationException($"No augmenting path from row {start}: the assignment costs are not finite.");
            minVal = lowest;
            int j = _remaining[position];
            _remaining[position] = _remaining[--remaining];
            _scannedColumns.Add(j);
            if (_rowOfCol[j] < 0) sink = j;
            else i = _rowOfCol[j];
        }

        _u[start] += minVal;
        for (int k = 1; k < _scannedRows.Count; k++)
        {
            int r = _scannedRows[k];
            _u[r] += minVal - _dist[_colOfRow[r]];
        }
        foreach (int j in _scannedColumns) _v[j] -= minVal - _dist[j];

        for (int j = sink; ;)
        {
            int r = _pred[j];
            int previous = _colOfRow[r];
            Assign(r, j);
            if (r == start) break;
            j = previous;
        }
    }

    /// <summary>
    /// Relaxes the unscanned columns through row i and returns the smallest tentative length with its position
    /// in <see cref="_remaining"/>: lexicographically smallest (length, column taken?, position), so a free
    /// column ends the search as early as possible and chunks combine to the single-thread answer.
    /// </summary>
    private (double Lowest, int Position) ScanRow(int i, double minVal, int remaining)
    {
        int chunks = _runner.ChunksFor(remaining, MinColumnsPerChunk);
        var best = chunks == 1 ? null : new (double Low, int Pos, bool Taken)[chunks];
        (double Low, int Pos, bool Taken) single = default;
        double ui = _u[i];
        _runner.Run(remaining, chunks, (c, startPos, endPos) =>
        {
            var cols = _remaining.AsSpan(startPos, endPos - startPos);
            var costs = _row.AsSpan(startPos, endPos - startPos);
            _cost.FillRow(i, cols, costs);
            double low = double.PositiveInfinity;
            int pos = -1;
            bool taken = true;
            for (int k = 0; k < cols.Length; k++)
            {
                int j = cols[k];
                double r = minVal + costs[k] - ui - _v[j];
                if (r < _dist[j])
                {
                    _dist[j] = r;
                    _pred[j] = i;
                }
                double dj = _dist[j];
                if (dj < low || (dj == low && taken && _rowOfCol[j] < 0))
                {
                    low = dj;
                    pos = startPos + k;
                    taken = _rowOfCol[j] >= 0;
                }
            }
            if (best == null) single = (low, pos, taken);
            else best[c] = (low, pos, taken);
        });
        if (best == null) return (single.Low, single.Pos);
        var b = best[0];
        for (int c = 1; c < chunks; c++)
            if (best[c].Pos >= 0 && (best[c].Low < b.Low || (best[c].Low == b.Low && b.Taken && !best[c].Taken)))
                b = best[c];
        return (b.Low, b.Pos);
    }
}
