using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace BoltzmannGen.Data;

/// <summary>
/// Writes a DCD trajectory frame by frame, as a trajectory reporter needs: after every frame the header's
/// frame count and last step are rewritten, so the file is a valid DCD at any moment. Unlike OpenMM (which
/// updates the header first), the data go first and the header second, so a crash mid-frame leaves a file
/// whose header counts only complete frames.
/// </summary>
public sealed class DcdWriter : IDisposable
{
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly int _firstStep, _interval;
    private readonly byte[] _record;
    private bool _disposed;

    internal DcdWriter(Stream stream, bool leaveOpen, int atomCount, double timeStepPs, int firstStep, int interval,
        string title = "Created by BoltzmannGen")
    {
        if (atomCount <= 0) throw new ArgumentOutOfRangeException(nameof(atomCount), "a DCD needs at least one atom.");
        if (interval <= 0) throw new ArgumentOutOfRangeException(nameof(interval), "interval must be positive.");
        _stream = stream;
        _leaveOpen = leaveOpen;
        AtomCount = atomCount;
        _firstStep = firstStep;
        _interval = interval;
        _record = new byte[8 + 4 * atomCount];
        // Two titles, as OpenMM writes; the second has no date so that equal inputs give equal files.
        _stream.Write(DcdHeader.Build(atomCount, firstStep, interval, timeStepPs, title, "Positions in Angstrom"));
        _stream.Flush();
    }

    private DcdWriter(Stream stream, DcdHeader existing)
    {
        _stream = stream;
        AtomCount = existing.AtomCount;
        FrameCount = existing.FrameCount;
        _firstStep = existing.FirstStep;
        _interval = Math.Max(1, existing.Interval);
        _record = new byte[8 + 4 * AtomCount];
    }

    public int AtomCount { get; }

    /// <summary>Frames in the file, as its header says.</summary>
    public int FrameCount { get; private set; }

    /// <summary>Creates (or replaces) <paramref name="path"/> with an empty trajectory.</summary>
    /// <param name="timeStepPs">MD time step in ps (stored in AKMA units like OpenMM).</param>
    /// <param name="firstStep">Step of the first frame; <paramref name="interval"/>: steps between frames.</param>
    public static DcdWriter Create(string path, int atomCount, double timeStepPs = 0.001, int firstStep = 0, int interval = 1)
    {
        var stream = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            return new DcdWriter(stream, leaveOpen: false, atomCount, timeStepPs, firstStep, interval);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens an existing DCD to add frames (resuming a run). Bytes after the last complete frame the header
    /// counts are dropped. The atom count must match and the file must have no unit cells.
    /// </summary>
    public static DcdWriter Append(string path, int atomCount)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InputException($"{path}: cannot append, DCD file not found.", e);
        }
        try
        {
            var header = DcdHeader.Read(stream, path);
            if (header.AtomCount != atomCount)
                throw new InputException($"{path}: cannot append {atomCount}-atom frames to a DCD with {header.AtomCount} atoms.");
            if (header.HasUnitCell)
                throw new InputException($"{path}: cannot append to a DCD with unit cells (this writer writes none).");
            long end = header.DataOffset + header.FrameCount * header.FrameBytes;
            if (stream.Length < end)
            {
                long complete = (stream.Length - header.DataOffset) / header.FrameBytes;
                throw new InputException($"{path}: cannot append: DCD frame {complete} (counting from 0) of the {header.FrameCount} in the header is incomplete.");
            }
            stream.SetLength(end);
            stream.Position = end;
            return new DcdWriter(stream, header);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Appends one frame of 3·AtomCount coordinates in nm and commits it to the header.</summary>
    public void WriteFrame(ReadOnlySpan<double> nm)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (nm.Length != 3 * AtomCount)
            throw new ArgumentException($"a frame needs {3 * AtomCount} values ({AtomCount} atoms × 3), got {nm.Length}.");
        _stream.Seek(0, SeekOrigin.End);
        var values = MemoryMarshal.Cast<byte, float>(_record.AsSpan(4, 4 * AtomCount));
        BinaryPrimitives.WriteInt32LittleEndian(_record, 4 * AtomCount);
        BinaryPrimitives.WriteInt32LittleEndian(_record.AsSpan(4 + 4 * AtomCount), 4 * AtomCount);
        for (int axis = 0; axis < 3; axis++)
        {
            for (int a = 0; a < AtomCount; a++) values[a] = (float)(10.0 * nm[3 * a + axis]); // nm → Å, as OpenMM
            _stream.Write(_record);
        }
        _stream.Flush();

        FrameCount++;
        Span<byte> word = stackalloc byte[4];
        _stream.Position = DcdHeader.FrameCountOffset;
        BinaryPrimitives.WriteInt32LittleEndian(word, FrameCount);
        _stream.Write(word);
        long lastStep = _firstStep + (long)FrameCount * _interval;
        _stream.Position = DcdHeader.LastStepOffset;
        BinaryPrimitives.WriteInt32LittleEndian(word, (int)Math.Min(lastStep, int.MaxValue));
        _stream.Write(word);
        _stream.Flush();
    }

    public void WriteFrames(Frames frames)
    {
        for (int f = 0; f < frames.Count; f++) WriteFrame(frames.Frame(f));
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (!_leaveOpen) _stream.Dispose();
    }
}
