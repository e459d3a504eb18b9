using BoltzmannGen.Data;
using BoltzmannGen.Systems;

namespace BoltzmannGen.Analysis;

/// <summary>
/// Torsion angles in radians, in (−π, π], with the IUPAC sign convention used by mdtraj and MDAnalysis:
/// looking along B→C, the angle is positive when the front bond A–B turns clockwise to eclipse the back bond C–D.
/// </summary>
public static class Dihedrals
{
    /// <summary>
    /// The torsion A–B–C–D of one frame of flattened [atom, xyz] positions.
    /// Projection form: v, w are B→A and C→D with their components along B→C removed;
    /// angle = atan2((ĉ × v)·w, v·w), ĉ the unit B→C. atan2 keeps full precision near 0 and ±π, where an acos
    /// form loses it. Degenerate (collinear) geometry gives 0 rather than NaN.
    /// </summary>
    public static double Angle(ReadOnlySpan<double> frame, int a, int b, int c, int d)
    {
        int ia = 3 * a, ib = 3 * b, ic = 3 * c, id = 3 * d;
        double b0x = frame[ia] - frame[ib], b0y = frame[ia + 1] - frame[ib + 1], b0z = frame[ia + 2] - frame[ib + 2];
        double b1x = frame[ic] - frame[ib], b1y = frame[ic + 1] - frame[ib + 1], b1z = frame[ic + 2] - frame[ib + 2];
        double b2x = frame[id] - frame[ic], b2y = frame[id + 1] - frame[ic + 1], b2z = frame[id + 2] - frame[ic + 2];

        double len = Math.Sqrt(b1x * b1x + b1y * b1y + b1z * b1z);
        if (len == 0) return 0;
        b1x /= len; b1y /= len; b1z /= len;

        double p0 = b0x * b1x + b0y * b1y + b0z * b1z;
        double vx = b0x - p0 * b1x, vy = b0y - p0 * b1y, vz = b0z - p0 * b1z;
        double p2 = b2x * b1x + b2y * b1y + b2z * b1z;
        double wx = b2x - p2 * b1x, wy = b2y - p2 * b1y, wz = b2z - p2 * b1z;

        double x = vx * wx + vy * wy + vz * wz;
        double y = (b1y * vz - b1z * vy) * wx + (b1z * vx - b1x * vz) * wy + (b1x * vy - b1y * vx) * wz;
        double angle = Math.Atan2(y, x);
        // atan2 can return −π (y = −0); the half-open interval (−π, π] wants +π.
        return angle == -Math.PI ? Math.PI : angle;
    }

    /// <summary>The torsion <paramref name="definition"/> in one frame.</summary>
    public static double Angle(ReadOnlySpan<double> frame, DihedralDefinition definition) =>
        Angle(frame, definition.A, definition.B, definition.C, definition.D);

    /// <summary>All <paramref name="definitions"/> in one frame, in their order.</summary>
    public static double[] OfFrame(ReadOnlySpan<double> frame, IReadOnlyList<DihedralDefinition> definitions)
    {
        var result = new double[definitions.Count];
        for (int k = 0; k < result.Length; k++) result[k] = Angle(frame, definitions[k]);
        return result;
    }

    /// <summary>
    /// One time series per definition: result[k][i] is definition k in frame i. Series (not frames) come first
    /// because analyses work angle by angle (histograms, autocorrelation, basin populations).
    /// </summary>
    public static double[][] Series(Frames frames, IReadOnlyList<DihedralDefinition> definitions)
    {
        foreach (var def in definitions)
            if (def.Atoms.Any(i => i < 0 || i >= frames.AtomCount))
                throw new ArgumentException($"Dihedral {def.Label} uses an atom index outside 0..{frames.AtomCount - 1}.");
        var result = new double[definitions.Count][];
        for (int k = 0; k < result.Length; k++) result[k] = new double[frames.Count];
        for (int i = 0; i < frames.Count; i++)
        {
            ReadOnlySpan<double> frame = frames.Frame(i);
            for (int k = 0; k < result.Length; k++) result[k][i] = Angle(frame, definitions[k]);
        }
        return result;
    }
}
