namespace BoltzmannGen.Numerics.Assignment;

/// <summary>
/// c(i, j) = min_R ||x0_i − R y_j||² over proper rotations: data frame j rotated onto prior draw i. Not a
/// Euclidean cost (no shared embedding), so each entry costs a 3×3 covariance (9 multiply-adds per atom) plus a
/// Newton solve (<see cref="RotationalDistance"/>): ~200 ns, 20–40× an unaligned entry. Memory: both sets as float64
/// (2·n·d·8 bytes) plus their squared norms.
/// </summary>
public sealed class KabschAlignedCost : IAssignmentCost
{
    private readonly double[] _draws, _frames, _drawNorms, _frameNorms;
    private readonly int _d;

    /// <summary>Prior draws (rows) and data frames (columns), each n × d with d = 3·atoms, [frame, atom, xyz], centred.</summary>
    public KabschAlignedCost(ReadOnlySpan<float> priorDraws, ReadOnlySpan<float> dataFrames, int n, int d)
    {
        if (d % 3 != 0) throw new ArgumentException($"Kabsch alignment needs [atom, xyz] frames; dimension {d} is not a multiple of 3.", nameof(d));
        Size = n;
        _d = d;
        _draws = PointSets.ToDouble(priorDraws, n, d, d, "priorDraws");
        _frames = PointSets.ToDouble(dataFrames, n, d, d, "dataFrames");
        _drawNorms = Norms(_draws, n, d);
        _frameNorms = Norms(_frames, n, d);
    }

    public int Size { get; }

    public void FillRow(int row, ReadOnlySpan<int> columns, Span<double> destination)
    {
        var draw = _draws.AsSpan(row * _d, _d);
        for (int k = 0; k < columns.Length; k++)
        {
            int j = columns[k];
            destination[k] = RotationalDistance.Squared(_frames.AsSpan(j * _d, _d), draw, _frameNorms[j], _drawNorms[row]);
        }
    }

    private static double[] Norms(double[] x, int n, int d)
    {
        var norms = new double[n];
        for (int i = 0; i < n; i++)
            foreach (double v in x.AsSpan(i * d, d)) norms[i] += v * v;
        return norms;
    }
}
