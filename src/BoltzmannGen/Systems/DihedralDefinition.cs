namespace BoltzmannGen.Systems;

/// <summary>Which backbone torsion a <see cref="DihedralDefinition"/> is.</summary>
public enum DihedralKind
{
    /// <summary>φ_i = C(i−1)–N(i)–CA(i)–C(i).</summary>
    Phi,

    /// <summary>ψ_i = N(i)–CA(i)–C(i)–N(i+1).</summary>
    Psi,
}

/// <summary>
/// One torsion A–B–C–D by atom indices, with a label such as "phi2" (kind + the residue's PDB sequence number,
/// so labels match what a user sees in the PDB and in mdtraj/VMD).
/// </summary>
public sealed record DihedralDefinition(
    string Label, DihedralKind Kind, int ResidueIndex, string ResidueName, int A, int B, int C, int D)
{
    /// <summary>The four atom indices in order.</summary>
    public int[] Atoms => [A, B, C, D];
}
