using BoltzmannGen.Numerics.Assignment;

namespace BoltzmannGen.Targets;

/// <summary>
/// FORT regression pairs from an exact optimal assignment: prior draw i is paired with
/// data frame <see cref="DataIndexOfDraw"/>[i], whose coordinates (rotated onto the draw when Kabsch alignment
/// was used) are <see cref="Targets"/>[i·d .. (i+1)·d). Mean squared distances are per pair, summed over all d
/// components: "before" for the identity pairing (draw i with frame i, a random pairing when the draws are
/// independent of the frame order), "after" for the optimal one, both under the cost that was minimised.
/// </summary>
public sealed record OtPairing(int[] DataIndexOfDraw, float[] Targets, double MeanSquaredDistanceBefore, double MeanSquaredDistanceAfter);

/// <summary>
/// Exact optimal-transport pairing of n prior draws with n data frames for FORT ("--kind ot"):
/// σ = argmin Σ_i c(x0_i, y_σ(i)) over permutations, solved by <see cref="LinearAssignment"/> without storing the
/// n×n cost matrix.
/// </summary>
public static class OptimalTransportPairing
{
    /// <summary>
    /// Pairs <paramref name="priorDraws"/> with <paramref name="dataFrames"/>, both n × d row-major in the same
    /// (normalised, centred) frame. Cost: ||x0_i − y_j||², or with <paramref name="alignKabsch"/> the same
    /// after rotating y_j optimally onto x0_i (d = 3·atoms, [atom, xyz], rotation about the origin).
    /// Time (ALDP frames vs Gaussian draws, d = 66, two threads on a shared 2-core machine): n = 5,000 in ~4 s,
    /// n = 20,000 in ~80 s; the solve reads ~20·n² cost entries. The aligned cost is 20–40× dearer per entry
    /// (n = 5,000 took ~2.5 min), so budget n ≤ ~5,000 for it.
    /// Memory: two float64 copies of the point sets (26 MB in all for n = 20,000, d = 66) plus the n·d float32
    /// targets; never n².
    /// </summary>
    /// <param name="threads">Threads for the row scans; 0 means all processors.</param>
    public static OtPairing Pair(ReadOnlySpan<float> priorDraws, ReadOnlySpan<float> dataFrames, int n, int d, bool alignKabsch = false,
        int threads = 0, IProgress<AssignmentProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        IAssignmentCost cost = alignKabsch
            ? new KabschAlignedCost(priorDraws, dataFrames, n, d)
            : SquaredEuclideanCost.Create(priorDraws, dataFrames, n, d);
        double before = MeanIdentityCost(cost);
        var result = LinearAssignment.Solve(cost, threads, progress, cancellationToken);

        var targets = new float[(long)n * d];
        var draw = new double[d];
        var frame = new double[d];
        for (int i = 0; i < n; i++)
        {
            int j = result.ColumnOfRow[i];
            var target = targets.AsSpan(i * d, d);
            if (alignKabsch)
            {
                for (int k = 0; k < d; k++) (draw[k], frame[k]) = (priorDraws[i * d + k], dataFrames[j * d + k]);
                var aligned = Kabsch.Align(frame, draw).Aligned;
                for (int k = 0; k < d; k++) target[k] = (float)aligned[k];
            }
            else dataFrames.Slice(j * d, d).CopyTo(target);
        }
        return new OtPairing(result.ColumnOfRow, targets, before, n == 0 ? 0 : result.Cost / n);
    }

    private static double MeanIdentityCost(IAssignmentCost cost)
    {
        int n = cost.Size;
        Span<int> column = stackalloc int[1];
        Span<double> value = stackalloc double[1];
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            column[0] = i;
            cost.FillRow(i, column, value);
            sum += value[0];
        }
        return n == 0 ? 0 : sum / n;
    }
}
