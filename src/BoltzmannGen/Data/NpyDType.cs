namespace BoltzmannGen.Data;

/// <summary>The element types we exchange with numpy. Little-endian only: every machine we target is.</summary>
public enum NpyDType
{
    Float32,
    Float64,
    Bool,
    Int32,
    Int64,
    UInt8,
}

/// <summary>Mapping between <see cref="NpyDType"/> and numpy's dtype strings ("descr").</summary>
public static class NpyDTypes
{
    /// <summary>The descr strings we read, for error messages.</summary>
    public const string Supported = "'<f4', '<f8', '|b1', '<i4', '<i8', '|u1'";

    public static string Descr(NpyDType t) => t switch
    {
        NpyDType.Float32 => "<f4",
        NpyDType.Float64 => "<f8",
        NpyDType.Bool => "|b1",
        NpyDType.Int32 => "<i4",
        NpyDType.Int64 => "<i8",
        NpyDType.UInt8 => "|u1",
        _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };

    /// <summary>numpy's name for the type, as users know it ("float32").</summary>
    public static string Name(NpyDType t) => t switch
    {
        NpyDType.Float32 => "float32",
        NpyDType.Float64 => "float64",
        NpyDType.Bool => "bool",
        NpyDType.Int32 => "int32",
        NpyDType.Int64 => "int64",
        NpyDType.UInt8 => "uint8",
        _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };

    public static int ItemSize(NpyDType t) => t switch
    {
        NpyDType.Float32 or NpyDType.Int32 => 4,
        NpyDType.Float64 or NpyDType.Int64 => 8,
        NpyDType.Bool or NpyDType.UInt8 => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };

    /// <summary>
    /// Parses a descr. '=' (native) and '&lt;' are the same here; single-byte types may be written with any
    /// byte-order mark. Returns false for anything else (big-endian, structured, strings...).
    /// </summary>
    public static bool TryParse(string descr, out NpyDType type)
    {
        string d = descr.Length == 3 && descr[0] == '=' ? "<" + descr[1..] : descr;
        if (d.Length == 3 && d[1..] is "b1" or "u1" && d[0] is '|' or '<' or '>' or '=')
            d = "|" + d[1..];
        switch (d)
        {
            case "<f4": type = NpyDType.Float32; return true;
            case "<f8": type = NpyDType.Float64; return true;
            case "|b1": type = NpyDType.Bool; return true;
            case "<i4": type = NpyDType.Int32; return true;
            case "<i8": type = NpyDType.Int64; return true;
            case "|u1": type = NpyDType.UInt8; return true;
            default: type = default; return false;
        }
    }
}
