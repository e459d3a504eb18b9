using System.Numerics;
using System.Runtime.InteropServices;

namespace BoltzmannGen.Training.Targets;

/// <summary>
/// c(i, j) = ||a_i − b_j||², computed on demand in float64 as Σ (a − b)² (no ||a||² + ||b||² − 2a·b: that form
/// cancels badly when points are close). Both point sets are copied once into float64 rows padded with zeros to a
/// multiple of the SIMD width, so one entry is d/width vector subtract + fused multiply-add steps.
/// Memory: 2·n·stride·8 bytes, stride = d rounded up to Vector&lt;double&gt;.Count.
/// </summary>
public sealed class SquaredEuclideanCost : IAssignmentCost
{
    private readonly double[] _a, _b;
    private readonly int _stride;

    private SquaredEuclideanCost(double[] a, double[] b, int n, int d, int stride)
    {
        (_a, _b, Size, Dimension, _stride) = (a, b, n, d, stride);
    }

    public int Size { get; }

    public int Dimension { get; }

    /// <summary>Bytes held by the padded copies of the two point sets.</summary>
    public long MemoryBytes => 2L * Size * _stride * sizeof(double);

    /// <summary>Copies the points a (rows of the assignment) and b (columns), each n × d row-major; non-finite values throw.</summary>
    public static SquaredEuclideanCost Create(ReadOnlySpan<double> a, ReadOnlySpan<double> b, int n, int d)
    {
        int stride = Stride(d);
        return new SquaredEuclideanCost(PointSets.ToDouble(a, n, d, stride, "a"), PointSets.ToDouble(b, n, d, stride, "b"), n, d, stride);
    }

    /// <inheritdoc cref="Create(ReadOnlySpan{double}, ReadOnlySpan{double}, int, int)"/>
    public static SquaredEuclideanCost Create(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int n, int d)
    {
        int stride = Stride(d);
        return new SquaredEuclideanCost(PointSets.ToDouble(a, n, d, stride, "a"), PointSets.ToDouble(b, n, d, stride, "b"), n, d, stride);
    }

    /// <summary>d rounded up to a whole number of SIMD vectors (the zero padding adds nothing to a distance).</summary>
    private static int Stride(int d)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(d);
        int width = Vector<double>.Count;
        return (d + width - 1) / width * width;
    }

    public void FillRow(int row, ReadOnlySpan<int> columns, Span<double> destination)
    {
        var a = MemoryMarshal.Cast<double, Vector<double>>(_a.AsSpan(row * _stride, _stride));
        for (int k = 0; k < columns.Length; k++)
        {
            var b = MemoryMarshal.Cast<double, Vector<double>>(_b.AsSpan(columns[k] * _stride, _stride));
            // Two accumulators: halves the fused multiply-add dependency chain.
            Vector<double> s0 = Vector<double>.Zero, s1 = Vector<double>.Zero;
            int m = 0;
            for (; m + 1 < a.Length; m += 2)
            {
                var d0 = a[m] - b[m];
                var d1 = a[m + 1] - b[m + 1];
                s0 = Vector.FusedMultiplyAdd(d0, d0, s0);
                s1 = Vector.FusedMultiplyAdd(d1, d1, s1);
            }
            if (m < a.Length)
            {
                var d0 = a[m] - b[m];
                s0 = Vector.FusedMultiplyAdd(d0, d0, s0);
            }
            destination[k] = Vector.Sum(s0 + s1);
        }
    }
}
