namespace BoltzmannGen.Training.Targets;

internal sealed partial class JonkerVolgenantSolver
{
    internal static double EpsilonStartFraction = 0.1, EpsilonFinalFraction = 1e-6, EpsilonFactor = 5;
    internal static int MaxBidsPerRowPerPhase = 20;
    internal static bool UseAuction = true;
    internal static int RowReductionPasses = 2;
    internal long Bids;

    /// <summary>
    /// Gauss–Seidel auction phases with ε-scaling (Bertsekas): from all rows free, a row bids for its best column j1,
    /// lowering v_j1 by the gap to its second best plus ε, and displaces the owner. Every phase ends in an
    /// ε-complementary assignment; shrinking ε leaves v near an optimal dual, so that the exact shortest-path
    /// phase afterwards only searches short paths.
    /// </summary>
    private void AuctionPhases(double spread)
    {
        if (!UseAuction || spread <= 0) return;
        for (double eps = EpsilonStartFraction * spread; eps >= EpsilonFinalFraction * spread; eps /= EpsilonFactor)
        {
            Array.Fill(_colOfRow, -1);
            Array.Fill(_rowOfCol, -1);
            _assigned = 0;
            var queue = new Queue<int>(Enumerable.Range(0, _n));
            long limit = (long)MaxBidsPerRowPerPhase * _n, bids = 0;
            while (queue.Count > 0 && bids++ < limit)
            {
                _cancel.ThrowIfCancellationRequested();
                int i = queue.Dequeue();
                var (u1, j1, u2, _) = TwoSmallestReduced(i);
                _v[j1] -= u2 - u1 + eps;
                int displaced = _rowOfCol[j1];
                if (displaced >= 0)
                {
                    _colOfRow[displaced] = -1;
                    queue.Enqueue(displaced);
                }
                else _assigned++;
                Assign(i, j1);
                Report(AssignmentPhase.RowReduction);
            }
            Bids += bids;
        }
        Array.Fill(_colOfRow, -1);
        Array.Fill(_rowOfCol, -1);
        _assigned = 0;
    }
}
