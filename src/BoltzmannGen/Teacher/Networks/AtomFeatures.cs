using System.Text.RegularExpressions;
using BoltzmannGen.Data;

namespace BoltzmannGen.Teacher.Networks;

/// <summary>
/// What a velocity network knows about each atom besides its position: an atom-type id (element + PDB atom-name
/// class, e.g. "H:HB" for HB1/HB2/HB3), a residue-position id (0 for the first residue, …) and the bonds of the
/// molecule. Equivalent atoms (the three methyl hydrogens) share a type, so the features respect the molecule's
/// own permutation symmetry. Ids are dense, 0-based; type ids follow the ordinal order of the type names.
/// </summary>
public sealed partial class AtomFeatures
{
    /// <summary>Features from plain arrays (tests and toy systems need no topology file).</summary>
    /// <param name="atomTypes">type id per atom, ≥ 0</param>
    /// <param name="residuePositions">residue-position id per atom, ≥ 0</param>
    /// <param name="bonds">bonded atom pairs (any order, no self-bonds); null for none</param>
    /// <param name="typeCount">number of distinct types (default: max id + 1); larger values leave unused embedding rows</param>
    /// <param name="residueCount">number of residue positions (default: max id + 1)</param>
    /// <param name="typeNames">optional names of the types, for logs</param>
    public AtomFeatures(IReadOnlyList<int> atomTypes, IReadOnlyList<int> residuePositions, IEnumerable<(int I, int J)>? bonds = null,
        int? typeCount = null, int? residueCount = null, IReadOnlyList<string>? typeNames = null)
    {
        ArgumentNullException.ThrowIfNull(atomTypes);
        ArgumentNullException.ThrowIfNull(residuePositions);
        if (atomTypes.Count < 2)
            throw new ArgumentException($"A velocity network needs at least two atoms; got {atomTypes.Count}.", nameof(atomTypes));
        if (residuePositions.Count != atomTypes.Count)
            throw new ArgumentException($"{atomTypes.Count} atom types but {residuePositions.Count} residue positions.", nameof(residuePositions));
        for (int i = 0; i < atomTypes.Count; i++)
        {
            if (atomTypes[i] < 0) throw new ArgumentException($"Atom {i} has a negative type id ({atomTypes[i]}).", nameof(atomTypes));
            if (residuePositions[i] < 0) throw new ArgumentException($"Atom {i} has a negative residue position ({residuePositions[i]}).", nameof(residuePositions));
        }
        AtomTypes = atomTypes.ToArray();
        ResiduePositions = residuePositions.ToArray();
        TypeCount = typeCount ?? AtomTypes.Max() + 1;
        ResidueCount = residueCount ?? ResiduePositions.Max() + 1;
        if (TypeCount <= AtomTypes.Max())
            throw new ArgumentException($"typeCount {TypeCount} is not above the largest type id {AtomTypes.Max()}.", nameof(typeCount));
        if (ResidueCount <= ResiduePositions.Max())
            throw new ArgumentException($"residueCount {ResidueCount} is not above the largest residue position {ResiduePositions.Max()}.", nameof(residueCount));
        if (typeNames != null && typeNames.Count != TypeCount)
            throw new ArgumentException($"{typeNames.Count} type names for {TypeCount} types.", nameof(typeNames));
        TypeNames = typeNames?.ToArray() ?? Enumerable.Range(0, TypeCount).Select(k => $"type{k}").ToArray();

        var set = new SortedSet<(int, int)>();
        foreach (var (a, b) in bonds ?? [])
        {
            if (a < 0 || b < 0 || a >= AtomCount || b >= AtomCount || a == b)
                throw new ArgumentException($"Bond ({a}, {b}) is not a pair of distinct atoms among {AtomCount}.", nameof(bonds));
            set.Add((Math.Min(a, b), Math.Max(a, b)));
        }
        Bonds = set.ToArray();
    }

    /// <summary>Types from element + atom-name class (trailing digits and primes removed), residues by index, bonds from the topology.</summary>
    public static AtomFeatures FromTopology(Topology topology)
    {
        ArgumentNullException.ThrowIfNull(topology);
        var keys = topology.Atoms.Select(TypeKey).ToArray();
        var names = keys.Distinct().OrderBy(k => k, StringComparer.Ordinal).ToArray();
        var id = names.Select((k, i) => (k, i)).ToDictionary(p => p.k, p => p.i);
        var residueIds = topology.Atoms.Select(a => a.ResidueIndex).Distinct().Order().Select((r, i) => (r, i)).ToDictionary(p => p.r, p => p.i);
        return new AtomFeatures(keys.Select(k => id[k]).ToArray(), topology.Atoms.Select(a => residueIds[a.ResidueIndex]).ToArray(),
            topology.Bonds, names.Length, residueIds.Count, names);
    }

    /// <summary>"Element:NameClass", e.g. C:CA, H:HB (HB1..HB3), H:H (H1..H3 of a cap), O:O.</summary>
    public static string TypeKey(Atom atom)
    {
        string name = atom.Name.Trim().ToUpperInvariant();
        string cls = TrailingDigits().Replace(name, "");
        if (cls.Length == 0) cls = name;
        string element = string.IsNullOrWhiteSpace(atom.Element) ? cls[..1] : atom.Element.Trim();
        return $"{element}:{cls}";
    }

    [GeneratedRegex("[0-9'\"*]+$")]
    private static partial Regex TrailingDigits();

    public int AtomCount => AtomTypes.Length;

    /// <summary>D = 3N.</summary>
    public int Dimension => 3 * AtomCount;

    public int[] AtomTypes { get; }
    public int[] ResiduePositions { get; }
    public int TypeCount { get; }
    public int ResidueCount { get; }
    public IReadOnlyList<string> TypeNames { get; }

    /// <summary>Bonded pairs (i &lt; j), sorted, without duplicates.</summary>
    public (int I, int J)[] Bonds { get; }

    /// <summary>Edge attributes, (N, N, 2) row-major: channel 0 = bonded, channel 1 = two bonds apart (angle partner) and not bonded.</summary>
    public float[] EdgeAttributes()
    {
        int n = AtomCount;
        var bonded = new bool[n, n];
        foreach (var (i, j) in Bonds) bonded[i, j] = bonded[j, i] = true;
        var e = new float[n * n * EdgeChannels];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                if (i == j) continue;
                if (bonded[i, j]) { e[(i * n + j) * EdgeChannels] = 1; continue; }
                for (int k = 0; k < n; k++)
                    if (bonded[i, k] && bonded[k, j]) { e[(i * n + j) * EdgeChannels + 1] = 1; break; }
            }
        return e;
    }

    /// <summary>Channels of <see cref="EdgeAttributes"/>.</summary>
    public const int EdgeChannels = 2;

    /// <summary>One-hot node features, (N, TypeCount + ResidueCount) row-major.</summary>
    public float[] OneHot()
    {
        int width = TypeCount + ResidueCount;
        var f = new float[AtomCount * width];
        for (int i = 0; i < AtomCount; i++)
        {
            f[i * width + AtomTypes[i]] = 1;
            f[i * width + TypeCount + ResiduePositions[i]] = 1;
        }
        return f;
    }
}
