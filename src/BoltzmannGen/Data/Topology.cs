namespace BoltzmannGen.Data;

/// <summary>One atom as a PDB names it: atom name, element symbol, and the residue it belongs to.</summary>
public sealed record Atom(int Index, string Name, string Element, int ResidueIndex);

/// <summary>One residue: three-letter name, sequence number as written in the PDB, chain identifier.</summary>
public sealed record Residue(int Index, string Name, int SequenceNumber, string ChainId);

/// <summary>
/// Atoms, residues and bonds of a molecule, independent of coordinates.
/// Bonds are pairs of atom indices (i &lt; j), taken from CONECT records or from the force field.
/// </summary>
public sealed class Topology
{
    public Topology(IReadOnlyList<Atom> atoms, IReadOnlyList<Residue> residues, IReadOnlyList<(int I, int J)> bonds)
    {
        Atoms = atoms;
        Residues = residues;
        Bonds = bonds;
    }

    public IReadOnlyList<Atom> Atoms { get; }
    public IReadOnlyList<Residue> Residues { get; }
    public IReadOnlyList<(int I, int J)> Bonds { get; }
    public int AtomCount => Atoms.Count;

    /// <summary>Indices of the atoms of residue <paramref name="residueIndex"/>.</summary>
    public IEnumerable<Atom> AtomsOf(int residueIndex) => Atoms.Where(a => a.ResidueIndex == residueIndex);

    /// <summary>The atom called <paramref name="name"/> in residue <paramref name="residueIndex"/>, or null.</summary>
    public Atom? Find(int residueIndex, string name) =>
        Atoms.FirstOrDefault(a => a.ResidueIndex == residueIndex && a.Name == name);

    /// <summary>Distance (nm) between atoms <paramref name="i"/> and <paramref name="j"/> of a frame laid out [atom, xyz].</summary>
    public static double Distance(ReadOnlySpan<double> frame, int i, int j)
    {
        double dx = frame[3 * i] - frame[3 * j], dy = frame[3 * i + 1] - frame[3 * j + 1], dz = frame[3 * i + 2] - frame[3 * j + 2];
        return Math.Sqrt(dx * dx + dy * dy + dz * dz);
    }
}
