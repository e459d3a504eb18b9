using BoltzmannGen.Data;
using BoltzmannGen.Analysis;
using BoltzmannGen.Tests.Support;

namespace BoltzmannGen.Tests.Analysis;

/// <summary>
/// A mirror image flips the sign of every dihedral, so of a frame and its reflection exactly one has φ &gt; 0
/// (aldp has one φ): a set of frames plus their mirrors has exactly as many φ &gt; 0 frames as originals,
/// whatever the originals are, and each repeated frame's partner must be one that was not repeated.
/// </summary>
public class PhiPositiveOversamplingTests
{
    private static readonly BoltzmannGen.Systems.PeptideSystem Aldp = EnergyFixtures.System("aldp");

    /// <summary>The frames followed by their mirror images (x → −x), which flip the sign of every dihedral.</summary>
    internal static Frames WithMirrors(Frames frames)
    {
        var positions = new double[2 * frames.Positions.Length];
        frames.Positions.CopyTo(positions, 0);
        for (int i = 0; i < frames.Positions.Length; i++)
            positions[frames.Positions.Length + i] = i % 3 == 0 ? -frames.Positions[i] : frames.Positions[i]; // x → −x
        return new Frames(2 * frames.Count, frames.AtomCount, positions);
    }

    [Fact]
    public void RepeatsExactlyOneOfEachFrameAndItsMirror()
    {
        var originals = EnergyFixtures.Frames("aldp");
        var frames = WithMirrors(originals);
        const int weight = 3;
        var (expanded, positive) = PhiPositiveOversampling.Expand(frames, Aldp.Topology, weight);
        Assert.Equal(originals.Count, positive);
        Assert.Equal(frames.Count + (weight - 1) * originals.Count, expanded.Count);
        Assert.Equal(frames.Positions, expanded.Positions[..frames.Positions.Length]); // the MD frames first, unchanged

        // Which of each pair was repeated: find every appended copy among the 2n frames.
        var repeated = new HashSet<int>();
        for (int k = frames.Count; k < expanded.Count; k++)
        {
            var copy = expanded.Frame(k).ToArray();
            int match = Enumerable.Range(0, frames.Count).Single(i => frames.Frame(i).SequenceEqual(copy));
            repeated.Add(match);
        }
        Assert.Equal(originals.Count, repeated.Count);
        for (int i = 0; i < originals.Count; i++)
            Assert.True(repeated.Contains(i) ^ repeated.Contains(originals.Count + i), $"frame {i} and its mirror");
    }

    [Fact]
    public void WeightOneKeepsTheFramesAndZeroIsRefused()
    {
        var frames = EnergyFixtures.Frames("aldp");
        Assert.Same(frames, PhiPositiveOversampling.Expand(frames, Aldp.Topology, 1).Frames);
        Assert.Throws<ArgumentOutOfRangeException>(() => PhiPositiveOversampling.Expand(frames, Aldp.Topology, 0));
        var config = new BoltzmannGen.Teacher.TeacherConfig { PhiPositiveWeight = 0 };
        Assert.Contains("phi_positive_weight", Assert.Throws<InputException>(config.Validate).Message);
    }
}
