using System.Numerics;

namespace BoltzmannGen.Numerics.Assignment;

/// <summary>Shape and finiteness checks for two n × d row-major point sets, with messages that name the offending row.</summary>
internal static class PointSets
{
    public static void CheckShape(int length, int n, int d, string name)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(d);
        if ((long)n * d != length) throw new ArgumentException($"{name} holds {length} values, not n·d = {n}·{d}.", name);
    }

    /// <summary>Copies n rows of d values into float64 rows of <paramref name="stride"/> (zero padded), rejecting non-finite values.</summary>
    public static double[] ToDouble<T>(ReadOnlySpan<T> source, int n, int d, int stride, string name)
        where T : IFloatingPointIeee754<T>
    {
        CheckShape(source.Length, n, d, name);
        var target = new double[(long)n * stride];
        for (int i = 0; i < n; i++)
            for (int k = 0; k < d; k++)
            {
                T x = source[i * d + k];
                if (!T.IsFinite(x))
                    throw new ArgumentException($"Row {i} of {name} has a non-finite value ({x}) at component {k}.", name);
                target[(long)i * stride + k] = double.CreateTruncating(x);
            }
        return target;
    }
}
