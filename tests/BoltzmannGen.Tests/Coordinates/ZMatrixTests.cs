using BoltzmannGen.Coordinates;
using BoltzmannGen.Data;
using BoltzmannGen.Tests.Support;

namespace BoltzmannGen.Tests.Coordinates;

/// <summary>Z-matrices built from the bond graph of the shipped peptides.</summary>
public class ZMatrixTests
{
    [Theory]
    [InlineData("aldp")]
    [InlineData("al3")]
    [InlineData("al4")]
    public void Covers_every_atom_once_with_bonded_references_placed_before_use(string system)
    {
        var topology = EnergyFixtures.System(system).Topology;
        var z = ZMatrix.FromTopology(topology);
        var bonds = topology.Bonds.Select(b => (Math.Min(b.I, b.J), Math.Max(b.I, b.J))).ToHashSet();
        bool Bonded(int p, int q) => bonds.Contains((Math.Min(p, q), Math.Max(p, q)));

        Assert.Equal(topology.AtomCount, z.Atoms);
        Assert.Equal(Enumerable.Range(0, z.Atoms), z.Entries.Select(e => e.Atom).Order());
        var placed = new HashSet<int>();
        for (int p = 0; p < z.Entries.Count; p++)
        {
            var e = z.Entries[p];
            int[] refs = new[] { e.Bond, e.Angle, e.Torsion }.Take(Math.Min(p, 3)).ToArray();
            Assert.All(new[] { e.Bond, e.Angle, e.Torsion }.Skip(refs.Length), r => Assert.Equal(-1, r));
            Assert.All(refs, r => Assert.Contains(r, placed));
            Assert.Equal(refs.Length, refs.Distinct().Count());
            if (p > 0) Assert.True(Bonded(e.Atom, e.Bond), $"{system}: entry {p} atom {e.Atom} bond reference {e.Bond} is not a bond");
            if (p > 1) Assert.True(Bonded(e.Bond, e.Angle), $"{system}: entry {p}: angle reference {e.Angle} is not bonded to {e.Bond}");
            placed.Add(e.Atom);
        }
        // Root: a heavy backbone CA; b and c its heavy neighbours.
        Assert.Equal("CA", topology.Atoms[z.Entries[0].Atom].Name);
        Assert.All(z.Entries.Take(3), e => Assert.NotEqual("H", topology.Atoms[e.Atom].Element));
    }

    [Fact]
    public void Aldp_places_the_acetyl_carbon_on_the_phi_torsion()
    {
        var topology = EnergyFixtures.System("aldp").Topology;
        var entry = ZMatrix.FromTopology(topology).Entries.Single(e => e.Atom == 4); // ACE C
        string Name(int i) => topology.Atoms[i].Name;
        Assert.Equal(new[] { "C", "N", "CA", "C" }, new[] { Name(entry.Atom), Name(entry.Bond), Name(entry.Angle), Name(entry.Torsion) });
    }

    [Fact]
    public void Is_deterministic()
    {
        var topology = EnergyFixtures.System("al3").Topology;
        Assert.Equal(ZMatrix.FromTopology(topology).Entries, ZMatrix.FromTopology(topology).Entries);
    }

    [Fact]
    public void Disconnected_bond_graph_is_rejected()
    {
        var t = EnergyFixtures.System("aldp").Topology;
        // Cut the ACE C – ALA N peptide bond: the acetyl cap becomes a separate fragment.
        var cut = new Topology(t.Atoms, t.Residues, t.Bonds.Where(b => !(b.I == 4 && b.J == 6) && !(b.I == 6 && b.J == 4)).ToList());
        Assert.Equal(t.Bonds.Count - 1, cut.Bonds.Count);
        var e = Assert.Throws<ArgumentException>(() => ZMatrix.FromTopology(cut));
        Assert.Contains("disconnected", e.Message);
    }

    [Fact]
    public void Invalid_entries_are_rejected()
    {
        ZMatrixEntry[] good = [new(0, -1, -1, -1), new(1, 0, -1, -1), new(2, 1, 0, -1), new(3, 2, 1, 0)];
        _ = new ZMatrix(good, 4);
        Assert.Throws<ArgumentException>(() => new ZMatrix(good, 5));                                                        // too few entries
        Assert.Throws<ArgumentException>(() => new ZMatrix([.. good[..3], new(2, 1, 0, -1)], 4));                           // atom twice
        Assert.Throws<ArgumentException>(() => new ZMatrix([.. good[..3], new(3, 2, 1, 1)], 4));                            // repeated reference
        Assert.Throws<ArgumentException>(() => new ZMatrix([good[0], new(1, 0, -1, -1), new(2, 3, 0, -1), new(3, 2, 1, 0)], 4)); // used before placed
        Assert.Throws<ArgumentException>(() => new ZMatrix([good[0], new(1, 0, 2, -1), good[2], good[3]], 4));              // extra reference
    }
}
