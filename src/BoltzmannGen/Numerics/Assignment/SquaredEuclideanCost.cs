using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace BoltzmannGen.Numerics.Assignment;

/// <summary>
/// c(i, j) = ||a_i − b_j||², computed on demand in float64 as Σ (a − b)² (not ||a||² + ||b||² − 2a·b, which
/// cancels badly for close points). Both point sets are copied once into float64 rows zero-padded to a multiple
/// of the SIMD width w. Every entry is summed in the same order (one vector accumulator over the padded row, then
/// a horizontal sum), so row scans and block fills give bit-identical costs; kernels work on four entries at once
/// because a single accumulator chain would wait on fused multiply-add latency.
/// Memory: 2·n·stride·8 bytes, stride = d rounded up to w = Vector&lt;double&gt;.Count.
/// </summary>
public sealed class SquaredEuclideanCost : IBlockAssignmentCost
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
        if (destination.Length < columns.Length) throw new ArgumentException("destination is shorter than columns.", nameof(destination));
        ref double a = ref Row(_a, row);
        int k = 0;
        for (; k + 4 <= columns.Length; k += 4)
            Four(ref Row(_b, columns[k]), ref Row(_b, columns[k + 1]), ref Row(_b, columns[k + 2]), ref Row(_b, columns[k + 3]), ref a,
                out destination[k], out destination[k + 1], out destination[k + 2], out destination[k + 3]);
        for (; k < columns.Length; k++) destination[k] = One(ref a, ref Row(_b, columns[k]));
    }

    public void FillRows(ReadOnlySpan<int> rows, Span<double> destination)
    {
        int n = Size;
        if (destination.Length < (long)rows.Length * n) throw new ArgumentException("destination is shorter than rows × n.", nameof(destination));
        int r = 0;
        for (; r + 4 <= rows.Length; r += 4)
        {
            // Four rows against each column: the column's data is read once for four entries.
            ref double a0 = ref Row(_a, rows[r]), a1 = ref Row(_a, rows[r + 1]), a2 = ref Row(_a, rows[r + 2]), a3 = ref Row(_a, rows[r + 3]);
            var d0 = destination.Slice(r * n, n);
            var d1 = destination.Slice((r + 1) * n, n);
            var d2 = destination.Slice((r + 2) * n, n);
            var d3 = destination.Slice((r + 3) * n, n);
            for (int j = 0; j < n; j++) Four(ref a0, ref a1, ref a2, ref a3, ref Row(_b, j), out d0[j], out d1[j], out d2[j], out d3[j]);
        }
        for (; r < rows.Length; r++) FillRow(rows[r], AllColumns(), destination.Slice(r * n, n));
    }

    private int[]? _allColumns;

    private int[] AllColumns() => _allColumns ??= Enumerable.Range(0, Size).ToArray();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref double Row(double[] x, int i) => ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(x), (nint)i * _stride);

    /// <summary>||x − y||² over the padded stride: one accumulator, then the horizontal sum.</summary>
    private double One(ref double x, ref double y)
    {
        var s = Vector<double>.Zero;
        for (nuint m = 0; m < (nuint)_stride; m += (nuint)Vector<double>.Count)
        {
            var e = Vector.LoadUnsafe(ref x, m) - Vector.LoadUnsafe(ref y, m);
            s = Vector.FusedMultiplyAdd(e, e, s);
        }
        return Vector.Sum(s);
    }

    /// <summary>||x_k − y||² for four x against one y, each summed exactly as <see cref="One"/> does (the order is symmetric in x, y).</summary>
    private void Four(ref double x0, ref double x1, ref double x2, ref double x3, ref double y,
        out double r0, out double r1, out double r2, out double r3)
    {
        Vector<double> s0 = Vector<double>.Zero, s1 = s0, s2 = s0, s3 = s0;
        for (nuint m = 0; m < (nuint)_stride; m += (nuint)Vector<double>.Count)
        {
            var yv = Vector.LoadUnsafe(ref y, m);
            var e0 = Vector.LoadUnsafe(ref x0, m) - yv;
            var e1 = Vector.LoadUnsafe(ref x1, m) - yv;
            var e2 = Vector.LoadUnsafe(ref x2, m) - yv;
            var e3 = Vector.LoadUnsafe(ref x3, m) - yv;
            s0 = Vector.FusedMultiplyAdd(e0, e0, s0);
            s1 = Vector.FusedMultiplyAdd(e1, e1, s1);
            s2 = Vector.FusedMultiplyAdd(e2, e2, s2);
            s3 = Vector.FusedMultiplyAdd(e3, e3, s3);
        }
        (r0, r1, r2, r3) = (Vector.Sum(s0), Vector.Sum(s1), Vector.Sum(s2), Vector.Sum(s3));
    }
}
