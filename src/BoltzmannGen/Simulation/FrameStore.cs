namespace BoltzmannGen.Simulation;

/// <summary>
/// Recorded frames of a running simulation, appended to two raw files (float32 positions, float64 energies) in
/// the work folder. A checkpoint records how many frames were flushed; on resume the files are cut back to that
/// count, so no frame is lost or duplicated whatever moment the run was killed.
/// </summary>
public sealed class FrameStore : IDisposable
{
    private readonly FileStream _positions;
    private readonly FileStream _energies;
    private readonly int _atoms;

    public FrameStore(string directory, int atoms)
    {
        _atoms = atoms;
        _positions = new FileStream(Path.Combine(directory, "frames.f32"), FileMode.OpenOrCreate, FileAccess.ReadWrite);
        _energies = new FileStream(Path.Combine(directory, "energies.f64"), FileMode.OpenOrCreate, FileAccess.ReadWrite);
        _positions.Seek(0, SeekOrigin.End);
        _energies.Seek(0, SeekOrigin.End);
    }

    private int FrameBytes => _atoms * 3 * sizeof(float);

    public long Count => _energies.Length / sizeof(double);

    public void Append(ReadOnlySpan<double> positionsNm, double energy)
    {
        Span<float> f = positionsNm.Length <= 1024 ? stackalloc float[positionsNm.Length] : new float[positionsNm.Length];
        for (int i = 0; i < f.Length; i++) f[i] = (float)positionsNm[i];
        _positions.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(f));
        Span<byte> e = stackalloc byte[sizeof(double)];
        BitConverter.TryWriteBytes(e, energy);
        _energies.Write(e);
    }

    /// <summary>Pushes everything to disk before a checkpoint claims these frames exist.</summary>
    public void Flush()
    {
        _positions.Flush(flushToDisk: true);
        _energies.Flush(flushToDisk: true);
    }

    /// <summary>Cuts the store back to <paramref name="frames"/> frames (the count of the last checkpoint).</summary>
    public void Truncate(long frames)
    {
        if (frames > Count || _positions.Length < frames * FrameBytes)
            throw new InputException($"the work folder has {Count} frames but its checkpoint claims {frames}: it is damaged; start over with --force.");
        _positions.SetLength(frames * FrameBytes);
        _energies.SetLength(frames * sizeof(double));
        _positions.Seek(0, SeekOrigin.End);
        _energies.Seek(0, SeekOrigin.End);
    }

    public (float[] Positions, double[] Energies) ReadAll()
    {
        Flush();
        var positions = new float[Count * _atoms * 3];
        var energies = new double[Count];
        _positions.Seek(0, SeekOrigin.Begin);
        _positions.ReadExactly(System.Runtime.InteropServices.MemoryMarshal.AsBytes(positions.AsSpan()));
        _energies.Seek(0, SeekOrigin.Begin);
        _energies.ReadExactly(System.Runtime.InteropServices.MemoryMarshal.AsBytes(energies.AsSpan()));
        _positions.Seek(0, SeekOrigin.End);
        _energies.Seek(0, SeekOrigin.End);
        return (positions, energies);
    }

    public void Dispose()
    {
        _positions.Dispose();
        _energies.Dispose();
    }
}
