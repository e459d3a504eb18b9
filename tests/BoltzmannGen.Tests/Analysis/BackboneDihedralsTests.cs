using BoltzmannGen.Data;
using BoltzmannGen.Systems;
using BoltzmannGen.Tests.Support;

namespace BoltzmannGen.Tests.Analysis;

/// <summary>φ/ψ definitions and chirality centres derived from the shipped topologies.</summary>
public class BackboneDihedralsTests
{
    [Theory]
    [InlineData("aldp", "phi2,psi2")]
    [InlineData("al3", "psi1,phi2,psi2,phi3")]
    [InlineData("al4", "phi2,psi2,phi3,psi3,phi4,psi4")]
    public void Labels_and_counts_follow_the_caps(string name, string labels)
    {
        var defs = BackboneDihedrals.Of(EnergyFixtures.System(name).Topology);
        Assert.Equal(labels.Split(','), defs.Select(d => d.Label));
        Assert.All(defs, d => Assert.Equal("ALA", d.ResidueName));
    }

    [Theory]
    [InlineData("aldp")]
    [InlineData("al3")]
    [InlineData("al4")]
    public void Atoms_are_the_named_backbone_atoms_of_the_right_residues(string name)
    {
        var topology = EnergyFixtures.System(name).Topology;
        foreach (var d in BackboneDihedrals.Of(topology))
        {
            var atoms = d.Atoms.Select(i => topology.Atoms[i]).ToArray();
            int r = d.ResidueIndex;
            if (d.Kind == DihedralKind.Phi)
            {
                Assert.Equal(["C", "N", "CA", "C"], atoms.Select(a => a.Name));
                Assert.Equal([r - 1, r, r, r], atoms.Select(a => a.ResidueIndex));
            }
            else
            {
                Assert.Equal(["N", "CA", "C", "N"], atoms.Select(a => a.Name));
                Assert.Equal([r, r, r, r + 1], atoms.Select(a => a.ResidueIndex));
            }
        }
    }

    [Fact]
    public void A_missing_peptide_bond_removes_the_phi_it_would_close()
    {
        var topology = EnergyFixtures.System("aldp").Topology;
        int aceC = topology.Find(0, "C")!.Index, alaN = topology.Find(1, "N")!.Index;
        var bonds = topology.Bonds.Where(b => !(b.I == Math.Min(aceC, alaN) && b.J == Math.Max(aceC, alaN))).ToList();
        Assert.Equal(topology.Bonds.Count - 1, bonds.Count);
        var broken = new Topology(topology.Atoms, topology.Residues, bonds);
        Assert.Equal(["psi2"], BackboneDihedrals.Of(broken).Select(d => d.Label));
    }

    [Theory]
    [InlineData("aldp", 1)]
    [InlineData("al3", 3)]
    [InlineData("al4", 3)]
    public void Every_alanine_CA_is_a_chirality_centre_with_its_HA(string name, int count)
    {
        var topology = EnergyFixtures.System(name).Topology;
        var centers = ChiralityCenters.Of(topology);
        Assert.Equal(count, centers.Count);
        Assert.All(centers, c =>
        {
            Assert.Equal("CA", topology.Atoms[c.CA].Name);
            Assert.Equal("CB", topology.Atoms[c.CB].Name);
            Assert.NotNull(c.HA);
            Assert.Equal("HA", topology.Atoms[c.HA!.Value].Name);
        });
    }

    [Fact]
    public void Ideal_S_alanine_built_from_the_CIP_rule_is_L()
    {
        // (S): with H pointing away (−z, viewer on +z), N → C → CB runs counterclockwise (polar angles 0°, 120°, 240°).
        double h = 1.0 / 3;
        double Cos(double deg) => Math.Cos(deg * Math.PI / 180);
        double Sin(double deg) => Math.Sin(deg * Math.PI / 180);
        double[] frame = [0, 0, 0, 1, 0, h, Cos(120), Sin(120), h, Cos(240), Sin(240), h];
        var center = new ChiralityCenter(0, "ALA", CA: 0, N: 1, C: 2, CB: 3, HA: null);
        Assert.True(ChiralityCenters.IsL(frame, center));
        Assert.True(ChiralityCenters.SignedVolume(frame, center) > 0);
    }

    [Theory]
    [InlineData("aldp")]
    [InlineData("al3")]
    [InlineData("al4")]
    public void Shipped_structures_and_MD_frames_are_L_and_their_mirror_images_D(string name)
    {
        var system = EnergyFixtures.System(name);
        var centers = ChiralityCenters.Of(system.Topology);
        var reference = system.ReferencePositions;
        Assert.All(centers, c => Assert.True(ChiralityCenters.IsL(reference, c), $"{name} residue {c.ResidueIndex} not L"));
        Assert.True(ChiralityCenters.AllL(reference, centers));

        var frames = EnergyFixtures.Frames(name);
        for (int i = 0; i < frames.Count; i++)
        {
            var frame = frames.Frame(i).ToArray();
            Assert.True(ChiralityCenters.AllL(frame, centers), $"{name} frame {i} not all L");
            for (int j = 0; j < frame.Length; j += 3) frame[j] = -frame[j]; // mirror x → −x
            Assert.All(centers, c => Assert.False(ChiralityCenters.IsL(frame, c), $"{name} mirrored frame {i} still L"));
        }
    }
}
