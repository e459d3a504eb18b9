namespace BoltzmannGen.Data;

/// <summary>
/// A stack of conformations of one molecule: <see cref="Count"/> frames of <see cref="AtomCount"/> atoms,
/// positions in nm, flattened frame-major as [frame, atom, xyz] (the layout of an NPY (frames, atoms, 3) array).
/// </summary>
public sealed class Frames
{
    public Frames(int count, int atomCount, double[] positions)
    {
        if (positions.Length != (long)count * atomCount * 3)
            throw new ArgumentException($"positions has {positions.Length} values, expected {count}×{atomCount}×3.");
        Count = count;
        AtomCount = atomCount;
        Positions = positions;
    }

    public int Count { get; }
    public int AtomCount { get; }
    public double[] Positions { get; }

    /// <summary>The 3·AtomCount coordinates of frame <paramref name="frame"/>.</summary>
    public Span<double> Frame(int frame) => Positions.AsSpan(frame * AtomCount * 3, AtomCount * 3);

    /// <summary>The first non-finite coordinate of [frame, atom, xyz] positions as (frame, atom, value), or null.</summary>
    public static (int Frame, int Atom, double Value)? FirstNonFinite(ReadOnlySpan<double> positions, int atomCount)
    {
        for (int i = 0; i < positions.Length; i++)
            if (!double.IsFinite(positions[i])) return (i / (3 * atomCount), i % (3 * atomCount) / 3, positions[i]);
        return null;
    }

    /// <summary>The first non-finite coordinate of these frames, or null.</summary>
    public (int Frame, int Atom, double Value)? FirstNonFinite() => FirstNonFinite(Positions, AtomCount);
}
