using BoltzmannGen.Systems;

namespace BoltzmannGen.Sampling;

/// <summary>
/// Mirror images: an E(3)-equivariant generator cannot tell L from D, so about half its samples can be the
/// all-D enantiomer. The energy is the same for both, but only the L form is the molecule we simulate; the
/// inversion x → −x turns an all-D conformation into an all-L one. Only frames whose every CA is D are
/// reflected (a mixed frame is a distorted molecule, not a mirror image).
/// </summary>
public static class MirrorImages
{
    /// <summary>Reflects (in place) every frame whose chirality centres are all D; returns which frames were reflected.</summary>
    public static bool[] ReflectAllD(Span<double> positions, int atoms, IReadOnlyList<ChiralityCenter> centres)
    {
        int per = 3 * atoms, count = positions.Length / per;
        var reflected = new bool[count];
        if (centres.Count == 0) return reflected;
        for (int i = 0; i < count; i++)
        {
            var frame = positions.Slice(i * per, per);
            bool allD = true;
            foreach (var c in centres)
                if (ChiralityCenters.IsL(frame, c) || ChiralityCenters.SignedVolume(frame, c) == 0) { allD = false; break; }
            if (!allD) continue;
            foreach (ref var v in frame) v = -v;
            reflected[i] = true;
        }
        return reflected;
    }
}
