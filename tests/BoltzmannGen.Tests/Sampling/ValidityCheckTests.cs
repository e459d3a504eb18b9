using BoltzmannGen.Sampling;
using BoltzmannGen.Tests.Support;

namespace BoltzmannGen.Tests.Sampling;

public class ValidityCheckTests
{
    [Theory]
    [InlineData("aldp")]
    [InlineData("al3")]
    [InlineData("al4")]
    public void MD_frames_are_valid_their_mirror_images_are_not(string name)
    {
        var system = EnergyFixtures.System(name);
        var check = new ValidityCheck(system.Topology, system.ReferencePositions);
        Assert.Equal(system.AtomCount - 1 + (name == "al3" ? 0 : 0), check.BondCount); // acyclic peptides: N − 1 bonds
        var frames = EnergyFixtures.Frames(name);
        for (int f = 0; f < frames.Count; f++)
        {
            var x = frames.Frame(f).ToArray();
            Assert.True(check.IsValid(x), $"{name} frame {f}");
            for (int i = 0; i < x.Length; i += 3) x[i] = -x[i];
            Assert.True(check.BondsOk(x));      // a mirror image has the same bond lengths…
            Assert.False(check.AllL(x));        // …but D chirality
        }
    }

    [Fact]
    public void A_stretched_bond_fails()
    {
        var system = EnergyFixtures.System("aldp");
        var check = new ValidityCheck(system.Topology, system.ReferencePositions);
        var x = system.ReferencePositions;
        var (i, j) = system.Topology.Bonds[0];
        for (int d = 0; d < 3; d++) x[3 * j + d] += 0.03 * (x[3 * j + d] - x[3 * i + d]) / 0.1;
        Assert.False(check.BondsOk(x));
    }
}
