using System.Globalization;

namespace BoltzmannGen.Data;

/// <summary>
/// Writes PDB text in the layout OpenMM's PDBFile uses (same ATOM/HETATM columns, TER after each chain taking
/// a serial number), so files diff cleanly against OpenMM's; unlike OpenMM, CONECT lists every bond, so the
/// topology survives a round trip through <see cref="PdbReader"/>.
/// </summary>
internal static class PdbWriter
{
    /// <summary>Residues OpenMM writes as ATOM; everything else (ACE, NME, ligands, ions) is HETATM.</summary>
    private static readonly HashSet<string> Standard =
    [
        "ALA", "ASN", "CYS", "GLU", "HIS", "LEU", "MET", "PRO", "THR", "TYR", "ARG", "ASP", "GLN", "GLY", "ILE",
        "LYS", "PHE", "SER", "TRP", "VAL", "A", "G", "C", "U", "I", "DA", "DG", "DC", "DT", "DI",
    ];

    public static void Write(TextWriter w, Topology topology, Frames frames)
    {
        if (frames.AtomCount != topology.AtomCount)
            throw new ArgumentException($"frames have {frames.AtomCount} atoms, the topology has {topology.AtomCount}.");
        int[] serials = AssignSerials(topology, out bool[] lastOfChain);
        if (serials.Length > 0 && serials[^1] + 1 > 99999)
            throw new ArgumentException($"{topology.AtomCount} atoms do not fit the 5-digit PDB serial numbers.");
        bool models = frames.Count > 1;
        for (int f = 0; f < frames.Count; f++)
        {
            if (models) w.Write($"MODEL     {f + 1,4}\n");
            WriteAtoms(w, topology, frames.Frame(f), f, serials, lastOfChain);
            if (models) w.Write("ENDMDL\n");
        }
        WriteConect(w, topology, serials);
        w.Write("END\n");
    }

    /// <summary>Serial of each atom: 1, 2, ... with one number skipped after each chain for its TER record.</summary>
    private static int[] AssignSerials(Topology topology, out bool[] lastOfChain)
    {
        var residues = topology.Residues;
        lastOfChain = new bool[residues.Count];
        for (int r = 0; r < residues.Count; r++)
            lastOfChain[r] = r == residues.Count - 1 || residues[r + 1].ChainId != residues[r].ChainId;
        var serials = new int[topology.AtomCount];
        int next = 1;
        int? previousResidue = null;
        foreach (var atom in topology.Atoms)
        {
            if (previousResidue is int p && p != atom.ResidueIndex && lastOfChain[p]) next++;
            serials[atom.Index] = next++;
            previousResidue = atom.ResidueIndex;
        }
        return serials;
    }

    private static void WriteAtoms(TextWriter w, Topology topology, ReadOnlySpan<double> nm, int frame, int[] serials, bool[] lastOfChain)
    {
        var atoms = topology.Atoms;
        for (int i = 0; i < atoms.Count; i++)
        {
            var atom = atoms[i];
            var residue = topology.Residues[atom.ResidueIndex];
            string record = Standard.Contains(residue.Name) ? "ATOM  " : "HETATM";
            string chain = ChainColumn(residue.ChainId);
            string resName = residue.Name.Length <= 3 ? residue.Name : throw new ArgumentException($"residue name '{residue.Name}' is longer than 3 characters.");
            string resSeq = (residue.SequenceNumber % 10000).ToString(CultureInfo.InvariantCulture);
            w.Write($"{record}{serials[i],5} {AtomNameField(atom),-4} {resName,3} {chain}{resSeq,4}    " +
                    $"{Coord(nm[3 * i], frame, atom)}{Coord(nm[3 * i + 1], frame, atom)}{Coord(nm[3 * i + 2], frame, atom)}" +
                    $"  1.00  0.00          {atom.Element,2}  \n");
            bool lastAtomOfResidue = i == atoms.Count - 1 || atoms[i + 1].ResidueIndex != atom.ResidueIndex;
            if (lastAtomOfResidue && lastOfChain[atom.ResidueIndex])
                w.Write($"TER   {serials[i] + 1,5}      {resName,3} {chain}{resSeq,4}\n");
        }
    }

    /// <summary>Short names of one-letter elements start in column 14 (" CA "), the PDB alignment rule.</summary>
    private static string AtomNameField(Atom atom)
    {
        string name = atom.Name;
        if (name.Length > 4) throw new ArgumentException($"atom name '{name}' is longer than 4 characters.");
        if (atom.Element.Length > 2) throw new ArgumentException($"element '{atom.Element}' is longer than 2 characters.");
        return name.Length < 4 && name.Length > 0 && char.IsLetter(name[0]) && atom.Element.Length < 2 ? " " + name : name;
    }

    private static string ChainColumn(string chainId) => chainId.Length switch
    {
        0 => " ",
        1 => chainId,
        _ => throw new ArgumentException($"chain id '{chainId}' does not fit the one-character PDB column."),
    };

    /// <summary>nm → Å with 3 decimals in 8 columns; anything that does not fit would shift the columns.</summary>
    private static string Coord(double nm, int frame, Atom atom)
    {
        double angstrom = nm * 10.0;
        string text = angstrom.ToString("F3", CultureInfo.InvariantCulture);
        if (!double.IsFinite(angstrom) || text.Length > 8)
            throw new ArgumentException($"frame {frame}, atom {atom.Index} ({atom.Name}): coordinate {nm} nm cannot be written in the 8-column PDB field.");
        return text.PadLeft(8);
    }

    private static void WriteConect(TextWriter w, Topology topology, int[] serials)
    {
        var partners = new SortedSet<int>[topology.AtomCount];
        foreach (var (i, j) in topology.Bonds)
        {
            if ((uint)i >= (uint)partners.Length || (uint)j >= (uint)partners.Length || i == j)
                throw new ArgumentException($"bond ({i}, {j}) is not between two different atoms of the topology.");
            (partners[i] ??= []).Add(serials[j]);
            (partners[j] ??= []).Add(serials[i]);
        }
        for (int a = 0; a < partners.Length; a++)
        {
            if (partners[a] is not { } set) continue;
            var list = set.ToList();
            // At most four bonded atoms per CONECT record; more bonds continue on further records.
            for (int start = 0; start < list.Count; start += 4)
            {
                w.Write($"CONECT{serials[a],5}");
                for (int k = start; k < Math.Min(start + 4, list.Count); k++) w.Write($"{list[k],5}");
                w.Write('\n');
            }
        }
    }
}
