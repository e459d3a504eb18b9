using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace BoltzmannGen.Data;

/// <summary>
/// NumPy .npy files (format versions 1.0, 2.0 and 3.0 read; 1.0 written, or 2.0 when the header does not fit
/// 64 KiB). C order only. Little-endian element types from <see cref="NpyDTypes"/>.
/// </summary>
public static class Npy
{
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Elements converted per chunk, so that byte views of huge arrays stay below 2 GiB.</summary>
    private const int ChunkElements = 1 << 24;

    public static NpyArray Read(string path)
    {
        using var stream = OpenRead(path, ".npy");
        return Read(stream, path);
    }

    /// <summary>
    /// Reads one array from <paramref name="stream"/> (positioned at the magic string); <paramref name="source"/>
    /// is the name used in error messages. The stream must end right after the data.
    /// </summary>
    public static NpyArray Read(Stream stream, string source)
    {
        var header = ReadHeader(stream, source, out NpyDType dtype);
        long count = NpyArray.ElementCountOf(header.Shape);
        if (count > Array.MaxLength)
            throw new InputException($"{source}: array of shape {NpyArray.ShapeText(header.Shape)} has too many elements ({count}) to load.");
        long bytes = count * NpyDTypes.ItemSize(dtype);
        string expectation = $"header says {NpyArray.ShapeText(header.Shape)} {NpyDTypes.Name(dtype)} = {bytes} bytes of data";

        Array data = dtype switch
        {
            NpyDType.Float32 => ReadElements<float>(stream, (int)count, source, expectation),
            NpyDType.Float64 => ReadElements<double>(stream, (int)count, source, expectation),
            NpyDType.Int32 => ReadElements<int>(stream, (int)count, source, expectation),
            NpyDType.Int64 => ReadElements<long>(stream, (int)count, source, expectation),
            NpyDType.UInt8 => ReadElements<byte>(stream, (int)count, source, expectation),
            // numpy stores bools as bytes; any non-zero byte is True there, so it is here.
            NpyDType.Bool => Array.ConvertAll(ReadElements<byte>(stream, (int)count, source, expectation), b => b != 0),
            _ => throw new InvalidOperationException(),
        };

        long extra = RemainingBytes(stream);
        if (extra > 0)
            throw new InputException($"{source}: {expectation}, file has {bytes + extra} (extra bytes after the data).");
        return NpyArray.FromFile(data, dtype, header.Shape, source);
    }

    /// <summary>Reads any numeric .npy as doubles (float32 widened exactly).</summary>
    public static double[] ReadDoubles(string path, out int[] shape)
    {
        var array = Read(path);
        shape = array.Shape;
        return array.ToDoubles();
    }

    public static void Write(string path, NpyArray array) => AtomicFile.Write(path, s => Write(s, array));
    public static void Write(string path, float[] data, params int[] shape) => Write(path, new NpyArray(data, shape));
    public static void Write(string path, double[] data, params int[] shape) => Write(path, new NpyArray(data, shape));
    public static void Write(string path, bool[] data, params int[] shape) => Write(path, new NpyArray(data, shape));
    public static void Write(string path, int[] data, params int[] shape) => Write(path, new NpyArray(data, shape));
    public static void Write(string path, long[] data, params int[] shape) => Write(path, new NpyArray(data, shape));
    public static void Write(string path, byte[] data, params int[] shape) => Write(path, new NpyArray(data, shape));

    /// <summary>Writes the .npy bytes of <paramref name="array"/> to <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, NpyArray array)
    {
        RequireLittleEndian();
        string dict = new NpyHeader(array.Descr, false, array.Shape).Format();
        // numpy pads magic + version + length + dict + '\n' to a multiple of 64 so the data are aligned.
        int version = 1;
        int total = PaddedLength(10 + dict.Length + 1);
        if (total - 10 > ushort.MaxValue)
        {
            version = 2;
            total = PaddedLength(12 + dict.Length + 1);
        }
        int prefix = version == 1 ? 10 : 12;
        var head = new byte[total];
        Magic.CopyTo(head);
        head[6] = (byte)version;
        head[7] = 0;
        if (version == 1) BinaryPrimitives.WriteUInt16LittleEndian(head.AsSpan(8), (ushort)(total - prefix));
        else BinaryPrimitives.WriteUInt32LittleEndian(head.AsSpan(8), (uint)(total - prefix));
        Encoding.Latin1.GetBytes(dict, head.AsSpan(prefix));
        head.AsSpan(prefix + dict.Length, total - prefix - dict.Length - 1).Fill((byte)' ');
        head[^1] = (byte)'\n';
        stream.Write(head);

        switch (array.Data)
        {
            case float[] f: WriteElements<float>(stream, f); break;
            case double[] d: WriteElements<double>(stream, d); break;
            case int[] i: WriteElements<int>(stream, i); break;
            case long[] l: WriteElements<long>(stream, l); break;
            case byte[] b: stream.Write(b); break;
            case bool[] z: WriteElements<byte>(stream, Array.ConvertAll(z, v => v ? (byte)1 : (byte)0)); break;
            default: throw new InvalidOperationException($"unsupported element type {array.Data.GetType()}");
        }
    }

    /// <summary>
    /// Opens a file for reading, turning "not there" into an <see cref="InputException"/> naming it. Others may
    /// keep writing (a DCD being appended by a running simulation can be inspected).
    /// </summary>
    internal static FileStream OpenRead(string path, string what)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InputException($"{path}: {what} file not found.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException($"{path}: cannot open {what} file: {e.Message}", e);
        }
    }

    private static NpyHeader ReadHeader(Stream stream, string source, out NpyDType dtype)
    {
        RequireLittleEndian();
        Span<byte> pre = stackalloc byte[12];
        int got = ReadFully(stream, pre[..10]);
        if (got < 10 || !pre[..6].SequenceEqual(Magic))
            throw new InputException($"{source}: not a .npy file (expected the magic string \\x93NUMPY, found {got} bytes: {Convert.ToHexString(pre[..got])}).");
        int major = pre[6], minor = pre[7];
        long headerLength;
        if (major == 1)
        {
            headerLength = BinaryPrimitives.ReadUInt16LittleEndian(pre[8..]);
        }
        else if (major is 2 or 3)
        {
            if (ReadFully(stream, pre[10..12]) < 2)
                throw new InputException($"{source}: truncated .npy header (version {major}.{minor} needs a 4-byte header length).");
            headerLength = BinaryPrimitives.ReadUInt32LittleEndian(pre[8..]);
        }
        else
        {
            throw new InputException($"{source}: unsupported .npy format version {major}.{minor} (supported: 1.0, 2.0, 3.0).");
        }
        if (headerLength > 1 << 24)
            throw new InputException($"{source}: implausible .npy header length {headerLength} bytes.");
        var headerBytes = new byte[headerLength];
        int h = ReadFully(stream, headerBytes);
        if (h < headerLength)
            throw new InputException($"{source}: truncated .npy header (header length says {headerLength} bytes, file has {h}).");
        // Versions 1 and 2 store the header in latin-1, version 3 in UTF-8.
        string text = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(headerBytes);
        var header = NpyHeader.Parse(text, source);
        if (header.FortranOrder)
            throw new InputException($"{source}: array of shape {NpyArray.ShapeText(header.Shape)} is stored in Fortran order; only C order is supported (save it with numpy.ascontiguousarray).");
        if (!NpyDTypes.TryParse(header.Descr, out dtype))
            throw new InputException($"{source}: unsupported dtype '{header.Descr}' (supported: {NpyDTypes.Supported}).");
        return header;
    }

    private static T[] ReadElements<T>(Stream stream, int count, string source, string expectation) where T : unmanaged
    {
        var data = new T[count];
        long done = 0;
        for (int start = 0; start < count; start += ChunkElements)
        {
            var bytes = MemoryMarshal.AsBytes(data.AsSpan(start, Math.Min(ChunkElements, count - start)));
            int got = ReadFully(stream, bytes);
            done += got;
            if (got < bytes.Length)
                throw new InputException($"{source}: {expectation}, file has {done} (truncated).");
        }
        return data;
    }

    private static void WriteElements<T>(Stream stream, T[] data) where T : unmanaged
    {
        for (int start = 0; start < data.Length; start += ChunkElements)
            stream.Write(MemoryMarshal.AsBytes(data.AsSpan(start, Math.Min(ChunkElements, data.Length - start))));
    }

    /// <summary>Reads until <paramref name="buffer"/> is full or the stream ends; returns the bytes read.</summary>
    internal static int ReadFully(Stream stream, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = stream.Read(buffer[total..]);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    private static long RemainingBytes(Stream stream)
    {
        if (stream.CanSeek) return stream.Length - stream.Position;
        long extra = 0;
        Span<byte> sink = stackalloc byte[4096];
        int n;
        while ((n = stream.Read(sink)) > 0) extra += n;
        return extra;
    }

    private static int PaddedLength(int length) => (length + 63) / 64 * 64;

    private static void RequireLittleEndian()
    {
        // Element bytes are copied verbatim; a big-endian host would need swapping, which no target needs.
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException(".npy I/O assumes a little-endian machine.");
    }
}
