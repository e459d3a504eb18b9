using BoltzmannGen.Data;
using BoltzmannGen.Systems;

namespace BoltzmannGen.Analysis;

/// <summary>
/// A biased training set: every frame with some backbone φ &gt; 0 (the rare left-handed basin, ~3 % of aldp's MD,
/// ~6 % of al4's) appears <c>weight</c> times. A teacher fitted to it (teacher.phi_positive_weight), and the student
/// that regresses onto its pairs, or a flow fine-tuned with it as its md_ml anchor (finetune.md_phi_positive_weight),
/// then propose that basin more often and learn its shape from more gradient steps. The proposal no longer
/// matches the Boltzmann populations, but importance weights exp(−u)/q undo any proposal bias, so estimates
/// stay unbiased while ΔF(φ&gt;0 vs φ&lt;0) gets more samples where it is decided.
/// </summary>
public static class PhiPositiveOversampling
{
    /// <summary>The frames with their φ &gt; 0 frames repeated; the same object when weight is 1 or there are none.</summary>
    public static (Frames Frames, int PhiPositive) Expand(Frames frames, Topology topology, int weight)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(weight, 1);
        var phis = BackboneDihedrals.Of(topology).Where(d => d.Kind == DihedralKind.Phi).ToList();
        var angles = Dihedrals.Series(frames, phis);
        var positive = Enumerable.Range(0, frames.Count).Where(i => angles.Any(series => series[i] > 0)).ToList();
        if (weight == 1 || positive.Count == 0) return (frames, positive.Count);

        int stride = 3 * frames.AtomCount, count = frames.Count + (weight - 1) * positive.Count;
        var positions = new double[(long)count * stride];
        frames.Positions.CopyTo(positions, 0);
        long at = (long)frames.Count * stride;
        for (int copy = 1; copy < weight; copy++)
            foreach (int i in positive)
            {
                frames.Frame(i).CopyTo(positions.AsSpan((int)at, stride));
                at += stride;
            }
        return (new Frames(count, frames.AtomCount, positions), positive.Count);
    }
}
