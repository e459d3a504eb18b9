namespace BoltzmannGen.Numerics.Assignment;

internal sealed partial class JonkerVolgenantSolver
{
    // ε runs from 5 % of the cost spread (max c − min c) down to 1e-4 of it in steps of 10 (three phases). Measured
    // on ALDP frames against Gaussian draws (n = 5,000, d = 66): without the auction the shortest-path phase read
    // ~130·n² cost entries; with it the whole solve reads ~20·n².
    private const double EpsilonStart = 0.05, EpsilonEnd = 1e-4, EpsilonFactor = 10;
    private const int MaxBidsPerRowPerPhase = 20;
    // Rows bidding against the same prices; fixed (not per thread) so the result does not depend on threads.
    private const int BatchSize = 16;

    // One bid per batch row: the two smallest reduced costs c − v of the row, and v at those columns when computed.
    private readonly record struct Bid(double H1, int J1, double H2, int J2, double V1, double V2);

    private readonly Bid[] _bids = new Bid[BatchSize];

    /// <summary>
    /// Computes the bids of rows[start..start+count) against the current v, one whole row per thread at a time
    /// (no fork/join per row). v is only read here; the caller applies the bids in order afterwards.
    /// </summary>
    private void ComputeBids(List<int> rows, int start, int count)
    {
        var batch = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(rows).Slice(start, count).ToArray();
        _runner.Run(count, _runner.ChunksFor(count, 1), (c, s, e) =>
        {
            var buffer = _threadRows[c];
            for (int block = s; block < e; block += BlockRows)
            {
                int rowsInBlock = Math.Min(BlockRows, e - block);
                FillRows(batch.AsSpan(block, rowsInBlock), buffer);
                for (int r = 0; r < rowsInBlock; r++)
                {
                    var row = buffer.AsSpan(r * _n, _n);
                    double h1 = double.PositiveInfinity, h2 = double.PositiveInfinity;
                    int j1 = -1, j2 = -1;
                    for (int j = 0; j < row.Length; j++)
                    {
                        double h = row[j] - _v[j];
                        if (h < h1) (h2, j2, h1, j1) = (h1, j1, h, j);
                        else if (h < h2) (h2, j2) = (h, j);
                    }
                    _bids[block + r] = new Bid(h1, j1, h2, j2, _v[j1], j2 >= 0 ? _v[j2] : 0);
                }
            }
        });
        Bids += count;
    }

    /// <summary>
    /// Jacobi auction phases with ε-scaling (Bertsekas): free rows bid in batches against the same v; a row's bid
    /// for its best column j1 offers v_j1 = c − (second best + ε), the lowest offer per column wins and displaces
    /// the owner, losers bid again. Each phase ends ε-complementary; as ε shrinks, v approaches an optimal dual,
    /// so the exact phases that follow (row reduction, shortest paths) have short searches. Does not affect
    /// exactness, only speed; bids are capped per phase.
    /// </summary>
    private void AuctionPhases(double spread)
    {
        if (!(spread > 0) || _n < 2) return;
        var queue = new List<int>(_n);
        for (double eps = EpsilonStart * spread; eps >= EpsilonEnd * spread; eps /= EpsilonFactor)
        {
            Array.Fill(_colOfRow, -1);
            Array.Fill(_rowOfCol, -1);
            _assigned = 0;
            queue.Clear();
            queue.AddRange(Enumerable.Range(0, _n));
            int head = 0;
            long limit = (long)MaxBidsPerRowPerPhase * _n, bids = 0;
            while (head < queue.Count && bids < limit)
            {
                _cancel.ThrowIfCancellationRequested();
                int count = Math.Min(BatchSize, queue.Count - head);
                ComputeBids(queue, head, count);
                bids += count;
                for (int k = 0; k < count; k++)
                {
                    int i = queue[head + k];
                    var bid = _bids[k];
                    double offer = bid.V1 - (bid.H2 - bid.H1 + eps);
                    int j = bid.J1;
                    if (!(offer < _v[j]))
                    {
                        queue.Add(i); // outbid within this batch
                        continue;
                    }
                    _v[j] = offer;
                    int displaced = _rowOfCol[j];
                    if (displaced >= 0)
                    {
                        _colOfRow[displaced] = -1;
                        queue.Add(displaced);
                    }
                    else _assigned++;
                    Assign(i, j);
                }
                head += count;
                if (head > _n) // keep the queue from growing without bound
                {
                    queue.RemoveRange(0, head);
                    head = 0;
                }
                Report(AssignmentPhase.RowReduction);
            }
            if (bids >= limit) break; // a price war (typically many tied costs): leave the rest to the exact phases
        }
        Array.Fill(_colOfRow, -1);
        Array.Fill(_rowOfCol, -1);
        _assigned = 0;
    }

    /// <summary>
    /// JV augmenting row reduction (an auction with ε = 0), bids computed in batches: a free row takes the column
    /// of its smallest c − v; with a positive gap to its second smallest, v there drops by the gap (the row keeps
    /// it as a tied minimum) and the displaced row bids again in this pass; with a tie it takes the second column
    /// and a displaced row waits for the next pass. A bid whose column changed price earlier in the batch is
    /// recomputed. Invariant: every assigned row's column is a minimum of its c − v. At most n bids per pass.
    /// </summary>
    private List<int> AugmentingRowReduction(List<int> free)
    {
        Report(AssignmentPhase.RowReduction, force: true);
        var queue = new List<int>(free);
        var next = new List<int>();
        int head = 0;
        long bids = 0;
        while (head < queue.Count && bids < _n)
        {
            _cancel.ThrowIfCancellationRequested();
            int count = (int)Math.Min(Math.Min(BatchSize, queue.Count - head), _n - bids);
            ComputeBids(queue, head, count);
            bids += count;
            for (int k = 0; k < count; k++)
            {
                int i = queue[head + k];
                var bid = _bids[k];
                int j = bid.J1;
                if (_v[j] != bid.V1)
                {
                    queue.Add(i);
                    continue;
                }
                int displaced = _rowOfCol[j];
                bool gap = bid.H1 < bid.H2;
                if (gap) _v[j] -= bid.H2 - bid.H1;
                else if (displaced >= 0)
                {
                    if (_v[bid.J2] != bid.V2)
                    {
                        queue.Add(i);
                        continue;
                    }
                    j = bid.J2;
                    displaced = _rowOfCol[j];
                }
                if (displaced >= 0)
                {
                    _colOfRow[displaced] = -1;
                    (gap ? queue : next).Add(displaced);
                }
                else _assigned++;
                Assign(i, j);
            }
            head += count;
            Report(AssignmentPhase.RowReduction);
        }
        next.AddRange(queue.Skip(head));
        return next;
    }
}
