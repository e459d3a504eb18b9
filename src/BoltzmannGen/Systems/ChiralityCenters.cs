using BoltzmannGen.Data;
namespace BoltzmannGen.Systems;

/// <summary>A stereocentre at an alpha carbon: atom indices of CA, its N, C and CB neighbours, and HA if present.</summary>
public sealed record ChiralityCenter(int ResidueIndex, string ResidueName, int CA, int N, int C, int CB, int? HA);

/// <summary>
/// Alpha-carbon chirality (L vs D), needed because an E(3)-equivariant generator cannot tell mirror images apart.
/// Handedness is the sign of the signed volume V = (N−CA)·((C−CA)×(CB−CA)).
/// Convention: L-alanine ((S) at CA; CIP N &gt; C &gt; CB &gt; H, N→C→CB counterclockwise with H away from the
/// viewer) has V &gt; 0. tools/build_forcefields.py derives the same sign from that definition and checks every
/// shipped forcefields/*/topology.pdb against it; the tests here confirm V &gt; 0 on all of them and V &lt; 0 after
/// mirroring.
/// </summary>
public static class ChiralityCenters
{
    /// <summary>Sign of the signed volume of an L (S) alpha carbon.</summary>
    public const int LSign = +1;

    /// <summary>Every residue with CA, N, C and CB (bonded to CA when the topology lists bonds), in residue order.</summary>
    public static IReadOnlyList<ChiralityCenter> Of(Topology topology)
    {
        var bonds = BackboneDihedrals.BondSet(topology);
        var result = new List<ChiralityCenter>();
        foreach (var res in topology.Residues.OrderBy(r => r.Index))
        {
            var ca = topology.Find(res.Index, "CA");
            var n = topology.Find(res.Index, "N");
            var c = topology.Find(res.Index, "C");
            var cb = topology.Find(res.Index, "CB");
            if (ca is null || n is null || c is null || cb is null) continue; // glycine, caps
            if (!new[] { n, c, cb }.All(a => BackboneDihedrals.Linked(bonds, ca.Index, a.Index))) continue;
            var ha = topology.Find(res.Index, "HA");
            result.Add(new ChiralityCenter(res.Index, res.Name, ca.Index, n.Index, c.Index, cb.Index, ha?.Index));
        }
        return result;
    }

    /// <summary>(N−CA)·((C−CA)×(CB−CA)) in nm³ for one frame of flattened [atom, xyz] positions.</summary>
    public static double SignedVolume(ReadOnlySpan<double> frame, ChiralityCenter center)
    {
        int ca = 3 * center.CA, n = 3 * center.N, c = 3 * center.C, cb = 3 * center.CB;
        double nx = frame[n] - frame[ca], ny = frame[n + 1] - frame[ca + 1], nz = frame[n + 2] - frame[ca + 2];
        double cx = frame[c] - frame[ca], cy = frame[c + 1] - frame[ca + 1], cz = frame[c + 2] - frame[ca + 2];
        double bx = frame[cb] - frame[ca], by = frame[cb + 1] - frame[ca + 1], bz = frame[cb + 2] - frame[ca + 2];
        return nx * (cy * bz - cz * by) + ny * (cz * bx - cx * bz) + nz * (cx * by - cy * bx);
    }

    /// <summary>True when the centre is L. A planar centre (V = 0) is not L.</summary>
    public static bool IsL(ReadOnlySpan<double> frame, ChiralityCenter center) => LSign * SignedVolume(frame, center) > 0;

    /// <summary>True when every centre in <paramref name="centers"/> is L in this frame.</summary>
    public static bool AllL(ReadOnlySpan<double> frame, IReadOnlyList<ChiralityCenter> centers)
    {
        foreach (var center in centers)
            if (!IsL(frame, center)) return false;
        return true;
    }
}
