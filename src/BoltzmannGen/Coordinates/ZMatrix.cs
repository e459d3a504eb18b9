using BoltzmannGen.Data;

namespace BoltzmannGen.Coordinates;

/// <summary>
/// One z-matrix row: <paramref name="Atom"/> is placed from its bond partner, angle partner and torsion partner
/// (atom indices, −1 where not applicable: the first three rows).
/// </summary>
public sealed record ZMatrixEntry(int Atom, int Bond, int Angle, int Torsion);

/// <summary>
/// A z-matrix: the order in which atoms are placed and the already-placed atoms each one is placed from.
/// Entries[0] = a (root), Entries[1] = b (Bond = a), Entries[2] = c (Bond and Angle are a and b in some order),
/// then every other atom with three distinct earlier references.
/// </summary>
public sealed class ZMatrix
{
    public ZMatrix(IReadOnlyList<ZMatrixEntry> entries, int atoms, IReadOnlyList<string>? atomLabels = null)
    {
        Validate(entries, atoms);
        if (atomLabels != null && (atomLabels.Count != atoms || atomLabels.Any(l => l == null)))
            throw new ArgumentException($"expected {atoms} non-null atom labels, got {atomLabels.Count}", nameof(atomLabels));
        Entries = entries.ToArray();
        Atoms = atoms;
        AtomLabels = atomLabels?.ToArray() ?? Enumerable.Range(0, atoms).Select(i => i.ToString()).ToArray();
    }

    public IReadOnlyList<ZMatrixEntry> Entries { get; }
    public int Atoms { get; }

    /// <summary>Short atom names for reports, e.g. "CA2" (atom name + residue number); the index if unknown.</summary>
    public IReadOnlyList<string> AtomLabels { get; }

    /// <summary>
    /// A deterministic z-matrix from the bond graph. Root a: the heavy atom with the most heavy neighbours (ties: an
    /// atom named "CA" first, then the lowest index). b, c: the first two heavy neighbours of a (c from b's
    /// neighbours if a has only one). The rest in breadth-first order from a, heavy neighbours before hydrogens.
    /// References are chosen among already-placed neighbours, heavy atoms first, then earliest placed, so that
    /// torsions follow the heavy-atom backbone (e.g. aldp's C–N–CA–C is the torsion of the ACE carbonyl C); an atom
    /// whose bond partner already has a placed child takes that sibling as its torsion reference.
    /// </summary>
    public static ZMatrix FromTopology(Topology topology)
    {
        ArgumentNullException.ThrowIfNull(topology);
        int n = topology.AtomCount;
        if (n < 3) throw new ArgumentException($"an internal-coordinate z-matrix needs at least 3 atoms, the topology has {n}", nameof(topology));
        bool[] heavy = topology.Atoms.Select(a => !string.Equals(a.Element, "H", StringComparison.OrdinalIgnoreCase)).ToArray();
        var neighbours = Neighbours(topology, heavy);

        int root = Enumerable.Range(0, n)
            .OrderByDescending(i => heavy[i] ? 1 : 0)
            .ThenByDescending(i => neighbours[i].Count(j => heavy[j]))
            .ThenByDescending(i => topology.Atoms[i].Name == "CA" ? 1 : 0)
            .ThenBy(i => i)
            .First();

        // Breadth-first order from the root: shows disconnected graphs and fixes the placement order.
        var bfs = new List<int> { root };
        var seen = new bool[n];
        seen[root] = true;
        for (int head = 0; head < bfs.Count; head++)
            foreach (int j in neighbours[bfs[head]])
                if (!seen[j]) { seen[j] = true; bfs.Add(j); }
        if (bfs.Count != n)
        {
            var missing = Enumerable.Range(0, n).Where(i => !seen[i]).Take(10);
            throw new ArgumentException(
                $"the bond graph is disconnected: {n - bfs.Count} atom(s) not bonded to the rest (e.g. atoms {string.Join(", ", missing)})", nameof(topology));
        }

        if (neighbours[root].Count == 0) throw new ArgumentException("the root atom has no bonds", nameof(topology));
        int b = neighbours[root][0];
        int c = neighbours[root].Count > 1 ? neighbours[root][1]
              : neighbours[b].FirstOrDefault(j => j != root, -1);
        if (c < 0) throw new ArgumentException("the first three atoms of the z-matrix must form a bonded chain", nameof(topology));

        var order = new List<int> { root, b, c };
        order.AddRange(bfs.Where(i => i != root && i != b && i != c));
        var rank = new int[n];
        Array.Fill(rank, int.MaxValue);
        var entries = new List<ZMatrixEntry>(n);
        foreach (int i in order)
        {
            entries.Add(Entry(i, entries.Count, rank, neighbours, heavy, topology));
            rank[i] = entries.Count - 1;
        }
        var labels = topology.Atoms.Select(a => a.Name + (a.ResidueIndex < topology.Residues.Count
            ? topology.Residues[a.ResidueIndex].SequenceNumber.ToString() : "")).ToArray();
        return new ZMatrix(entries, n, labels);
    }

    private static ZMatrixEntry Entry(int i, int position, int[] rank, List<int>[] neighbours, bool[] heavy, Topology topology)
    {
        // Already-placed neighbours of an atom, heavy first, then in placement order.
        IEnumerable<int> Placed(int atom, params int[] except) => neighbours[atom]
            .Where(x => rank[x] < position && !except.Contains(x))
            .OrderByDescending(x => heavy[x] ? 1 : 0).ThenBy(x => rank[x]);

        if (position == 0) return new ZMatrixEntry(i, -1, -1, -1);
        int j = Placed(i).First(); // breadth-first order guarantees a placed neighbour
        if (position == 1) return new ZMatrixEntry(i, j, -1, -1);
        int k = Placed(j, i).FirstOrDefault(-1);
        if (position == 2) return new ZMatrixEntry(i, j, k, -1);
        // A sibling already bonded to j makes the torsion an improper-like angle about the j–k axis (≈ ±120° for the
        // 2nd/3rd methyl H, ≈ 180° for an amide H, the chirality of CB): stiff and nearly independent of the rest.
        // Only the first child of j gets a proper torsion, which then carries the group's real rotation (φ, ψ, methyl).
        // With proper torsions for every sibling the flow would have to learn their exact 120° offsets.
        int l = Placed(j, k, i).Concat(Placed(k, j, i)).FirstOrDefault(-1);
        if (k < 0 || l < 0)
            throw new ArgumentException($"cannot define a bond angle and torsion for atom {i} ({topology.Atoms[i].Name}): too few bonded atoms placed before it", nameof(topology));
        return new ZMatrixEntry(i, j, k, l);
    }

    /// <summary>Adjacency lists, heavy neighbours first, then by index (this order drives all choices).</summary>
    private static List<int>[] Neighbours(Topology topology, bool[] heavy)
    {
        int n = topology.AtomCount;
        var neighbours = Enumerable.Range(0, n).Select(_ => new List<int>()).ToArray();
        foreach (var (i, j) in topology.Bonds)
        {
            if (i < 0 || i >= n || j < 0 || j >= n || i == j)
                throw new ArgumentException($"invalid bond ({i}, {j}) for {n} atoms", nameof(topology));
            if (!neighbours[i].Contains(j)) { neighbours[i].Add(j); neighbours[j].Add(i); }
        }
        foreach (var list in neighbours)
            list.Sort((p, q) => heavy[p] != heavy[q] ? (heavy[p] ? -1 : 1) : p.CompareTo(q));
        return neighbours;
    }

    private static void Validate(IReadOnlyList<ZMatrixEntry> entries, int atoms)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (atoms < 3) throw new ArgumentException($"a z-matrix needs at least 3 atoms, got {atoms}", nameof(atoms));
        if (entries.Count != atoms) throw new ArgumentException($"{entries.Count} z-matrix entries for {atoms} atoms", nameof(entries));
        var rank = new int[atoms];
        Array.Fill(rank, -1);
        for (int p = 0; p < atoms; p++)
        {
            var e = entries[p] ?? throw new ArgumentException($"z-matrix entry {p} is null", nameof(entries));
            if (e.Atom < 0 || e.Atom >= atoms) throw new ArgumentException($"z-matrix entry {p}: atom {e.Atom} out of range 0..{atoms - 1}", nameof(entries));
            if (rank[e.Atom] >= 0) throw new ArgumentException($"z-matrix entry {p}: atom {e.Atom} is already placed by entry {rank[e.Atom]}", nameof(entries));
            int[] refs = [e.Bond, e.Angle, e.Torsion];
            int needed = Math.Min(p, 3);
            for (int r = 0; r < 3; r++)
            {
                if (r >= needed)
                {
                    if (refs[r] != -1) throw new ArgumentException($"z-matrix entry {p}: reference {r + 1} must be -1", nameof(entries));
                    continue;
                }
                if (refs[r] < 0 || refs[r] >= atoms || rank[refs[r]] < 0)
                    throw new ArgumentException($"z-matrix entry {p} (atom {e.Atom}): reference {refs[r]} is not an atom placed before it", nameof(entries));
                for (int s = 0; s < r; s++)
                    if (refs[s] == refs[r]) throw new ArgumentException($"z-matrix entry {p} (atom {e.Atom}): references are not distinct", nameof(entries));
            }
            rank[e.Atom] = p;
        }
    }
}
