using BoltzmannGen.Data;
namespace BoltzmannGen.Systems;

/// <summary>
/// Backbone dihedrals (φ, ψ) derived from residue order and atom names, never from hard-coded indices, so a
/// user-built system gets the right angles without code changes. Caps are handled by the naming alone: ACE has
/// a C but no N/CA, NME has an N but no CA (OpenMM calls its methyl carbon "C"), so neither gets a φ or ψ of its
/// own, while their C/N still close the φ/ψ of the neighbouring residue.
/// </summary>
public static class BackboneDihedrals
{
    /// <summary>All φ and ψ of <paramref name="topology"/>, ordered by residue, φ before ψ.</summary>
    public static IReadOnlyList<DihedralDefinition> Of(Topology topology)
    {
        var bonded = BondSet(topology);
        var result = new List<DihedralDefinition>();
        var residues = topology.Residues.OrderBy(r => r.Index).ToList();
        for (int k = 0; k < residues.Count; k++)
        {
            var res = residues[k];
            var n = topology.Find(res.Index, "N");
            var ca = topology.Find(res.Index, "CA");
            var c = topology.Find(res.Index, "C");
            // NME has N and "C" but no CA: the CA test is what excludes it.
            if (n is null || ca is null || c is null) continue;

            if (k > 0 && topology.Find(residues[k - 1].Index, "C") is { } prevC && Linked(bonded, prevC.Index, n.Index))
                result.Add(new DihedralDefinition($"phi{res.SequenceNumber}", DihedralKind.Phi, res.Index, res.Name,
                    prevC.Index, n.Index, ca.Index, c.Index));

            if (k + 1 < residues.Count && topology.Find(residues[k + 1].Index, "N") is { } nextN && Linked(bonded, c.Index, nextN.Index))
                result.Add(new DihedralDefinition($"psi{res.SequenceNumber}", DihedralKind.Psi, res.Index, res.Name,
                    n.Index, ca.Index, c.Index, nextN.Index));
        }
        return result;
    }

    /// <summary>The bonds as a set, or null when the topology has none (then adjacency by residue order is trusted).</summary>
    internal static HashSet<(int, int)>? BondSet(Topology topology) =>
        topology.Bonds.Count == 0 ? null : topology.Bonds.Select(b => (Math.Min(b.I, b.J), Math.Max(b.I, b.J))).ToHashSet();

    internal static bool Linked(HashSet<(int, int)>? bonds, int i, int j) =>
        bonds is null || bonds.Contains((Math.Min(i, j), Math.Max(i, j)));
}
