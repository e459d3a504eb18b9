namespace BoltzmannGen.Data;

/// <summary>
/// An n-dimensional array as numpy stores it: a shape, an element type and the elements in C order.
/// <see cref="Data"/> is a float[], double[], bool[], int[], long[] or byte[] matching <see cref="DType"/>.
/// </summary>
public sealed class NpyArray
{
    private NpyArray(Array data, NpyDType dtype, int[] shape, string? source)
    {
        long count = ElementCountOf(shape);
        if (data.LongLength != count)
            throw new ArgumentException($"data has {data.LongLength} elements, shape {ShapeText(shape)} needs {count}.");
        Data = data;
        DType = dtype;
        Shape = (int[])shape.Clone();
        Source = source;
    }

    public NpyArray(float[] data, params int[] shape) : this(data, NpyDType.Float32, shape, null) { }
    public NpyArray(double[] data, params int[] shape) : this(data, NpyDType.Float64, shape, null) { }
    public NpyArray(bool[] data, params int[] shape) : this(data, NpyDType.Bool, shape, null) { }
    public NpyArray(int[] data, params int[] shape) : this(data, NpyDType.Int32, shape, null) { }
    public NpyArray(long[] data, params int[] shape) : this(data, NpyDType.Int64, shape, null) { }
    public NpyArray(byte[] data, params int[] shape) : this(data, NpyDType.UInt8, shape, null) { }

    /// <summary>Used by the reader, which has already allocated <paramref name="data"/> of the right type.</summary>
    internal static NpyArray FromFile(Array data, NpyDType dtype, int[] shape, string source) =>
        new(data, dtype, shape, source);

    public int[] Shape { get; }
    public NpyDType DType { get; }
    public Array Data { get; }

    /// <summary>The file (or "file.npz:name") the array was read from; null for arrays built in memory.
    /// Conversion errors name it.</summary>
    public string? Source { get; }

    /// <summary>numpy's dtype string, e.g. "&lt;f4".</summary>
    public string Descr => NpyDTypes.Descr(DType);
    public int Rank => Shape.Length;
    public int Length => Data.Length;

    /// <summary>The shape as "24×22×3" (or "scalar"), as error messages print it.</summary>
    public string ShapeString => ShapeText(Shape);

    public float[] AsFloat32() => As<float>(NpyDType.Float32);
    public double[] AsFloat64() => As<double>(NpyDType.Float64);
    public bool[] AsBool() => As<bool>(NpyDType.Bool);
    public int[] AsInt32() => As<int>(NpyDType.Int32);
    public long[] AsInt64() => As<long>(NpyDType.Int64);
    public byte[] AsUInt8() => As<byte>(NpyDType.UInt8);

    /// <summary>
    /// The elements widened to double (exactly, for every numeric type but int64 beyond 2^53).
    /// Bool is refused: a mask read as numbers is almost always a mix-up of array names.
    /// </summary>
    public double[] ToDoubles()
    {
        switch (Data)
        {
            case double[] d: return (double[])d.Clone();
            case float[] f: return Array.ConvertAll(f, x => (double)x);
            case int[] i: return Array.ConvertAll(i, x => (double)x);
            case long[] l: return Array.ConvertAll(l, x => (double)x);
            case byte[] b: return Array.ConvertAll(b, x => (double)x);
            default:
                throw new InputException($"{SourceName}: expected a numeric array, found dtype {NpyDTypes.Name(DType)} ('{Descr}').");
        }
    }

    /// <summary>Total element count of <paramref name="shape"/>; throws for negative dimensions.</summary>
    public static long ElementCountOf(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentException($"negative dimension {d} in shape.");
            n = checked(n * d);
        }
        return n;
    }

    public static string ShapeText(ReadOnlySpan<int> shape) =>
        shape.Length == 0 ? "scalar" : string.Join("×", shape.ToArray());

    private string SourceName => Source ?? "array";

    private T[] As<T>(NpyDType expected)
    {
        if (DType != expected)
            throw new InputException(
                $"{SourceName}: expected dtype {NpyDTypes.Name(expected)} ('{NpyDTypes.Descr(expected)}'), found {NpyDTypes.Name(DType)} ('{Descr}').");
        return (T[])Data;
    }
}
