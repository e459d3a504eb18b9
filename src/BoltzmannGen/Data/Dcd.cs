using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace BoltzmannGen.Data;

/// <summary>
/// CHARMM/X-PLOR DCD trajectories (little-endian), in the layout OpenMM's DCDFile writes and mdtraj/VMD read.
/// Coordinates are float32 Å in the file and nm here: each value becomes <c>(double)value * 0.1</c>.
/// </summary>
public static class Dcd
{
    public static DcdHeader ReadHeader(string path)
    {
        using var stream = Npy.OpenRead(path, ".dcd");
        return DcdHeader.Read(stream, path);
    }

    /// <summary>
    /// Reads every frame. The frame count is the header's; a header count of 0 (a writer that never updated
    /// it) means "as many whole frames as the file holds". Bytes after the announced frames are ignored: they
    /// are a frame whose writer stopped before committing it to the header.
    /// </summary>
    /// <param name="expectedAtoms">When given, a different atom count is an <see cref="InputException"/>.</param>
    public static Frames Read(string path, int? expectedAtoms = null)
    {
        using var stream = Npy.OpenRead(path, ".dcd");
        var header = DcdHeader.Read(stream, path);
        int n = header.AtomCount;
        if (expectedAtoms is int expected && expected != n)
            throw new InputException($"{path}: the DCD has {n} atoms, expected {expected}.");

        long available = stream.Length - header.DataOffset;
        long frameBytes = header.FrameBytes;
        long frames = header.FrameCount;
        if (frames == 0)
        {
            frames = available / frameBytes;
            if (available % frameBytes != 0)
                throw Incomplete(path, frames, frames + 1, available % frameBytes, frameBytes, "file size");
        }
        else if (available < frames * frameBytes)
        {
            long complete = available / frameBytes;
            throw Incomplete(path, complete, frames, available - complete * frameBytes, frameBytes, "header");
        }
        if (frames * n * 3 > Array.MaxLength)
            throw new InputException($"{path}: {frames} frames of {n} atoms are too many to load at once.");

        var positions = new double[frames * n * 3];
        var buffer = new byte[frameBytes];
        var coords = new float[3 * n];
        for (int f = 0; f < frames; f++)
        {
            long offset = header.DataOffset + f * frameBytes;
            Npy.ReadFully(stream, buffer);
            ReadOnlySpan<byte> span = buffer;
            if (header.HasUnitCell)
            {
                CheckRecord(span, 48, path, f, offset, "unit cell");
                span = span[56..];
                offset += 56;
            }
            for (int axis = 0; axis < 3; axis++)
            {
                CheckRecord(span, 4 * n, path, f, offset, "XYZ"[axis] + " coordinates");
                MemoryMarshal.Cast<byte, float>(span.Slice(4, 4 * n)).CopyTo(coords.AsSpan(axis * n, n));
                span = span[(8 + 4 * n)..];
                offset += 8 + 4 * n;
            }
            var frame = positions.AsSpan(f * n * 3, n * 3);
            for (int a = 0; a < n; a++)
                for (int axis = 0; axis < 3; axis++)
                    frame[3 * a + axis] = (double)coords[axis * n + a] * 0.1; // Å → nm
        }
        return new Frames((int)frames, n, positions);
    }

    /// <summary>Writes a whole trajectory atomically (OpenMM layout, no unit cell).</summary>
    public static void Write(string path, Frames frames, double timeStepPs = 0.001, int firstStep = 0, int interval = 1) =>
        AtomicFile.Write(path, stream =>
        {
            using var writer = new DcdWriter(stream, leaveOpen: true, frames.AtomCount, timeStepPs, firstStep, interval);
            for (int f = 0; f < frames.Count; f++) writer.WriteFrame(frames.Frame(f));
        });

    private static InputException Incomplete(string path, long frame, long announced, long have, long need, string by) =>
        new($"{path}: DCD frame {frame} (counting from 0; {announced} frames by the {by}) is incomplete: " +
            $"the file ends {have} bytes into its {need} bytes.");

    private static void CheckRecord(ReadOnlySpan<byte> span, int length, string path, int frame, long offset, string what)
    {
        int head = BinaryPrimitives.ReadInt32LittleEndian(span);
        int tail = BinaryPrimitives.ReadInt32LittleEndian(span[(4 + length)..]);
        if (head != length || tail != length)
            throw new InputException(
                $"{path}: DCD frame {frame} is malformed: expected a {length}-byte {what} record at byte {offset}, found length markers {head} and {tail}.");
    }
}
