using BoltzmannGen.Data;
using BoltzmannGen.Systems;

namespace BoltzmannGen.Analysis;

/// <summary>
/// The slow observables of a peptide trajectory whose autocorrelation decides how many independent samples it
/// holds: sin and cos of every backbone φ and ψ (periodic, so the angle itself is not used), and for every φ the
/// indicator φ &gt; 0 (the rare left-handed basin whose population gives ΔF).
/// </summary>
public static class BackboneObservables
{
    /// <summary>Named time series, one value per frame.</summary>
    public static IReadOnlyList<(string Name, double[] Series)> Of(Frames frames, Topology topology)
    {
        var definitions = BackboneDihedrals.Of(topology);
        var angles = Dihedrals.Series(frames, definitions);
        var result = new List<(string, double[])>();
        for (int k = 0; k < definitions.Count; k++)
        {
            string label = definitions[k].Label;
            result.Add(($"sin_{label}", Array.ConvertAll(angles[k], Math.Sin)));
            result.Add(($"cos_{label}", Array.ConvertAll(angles[k], Math.Cos)));
            if (definitions[k].Kind == DihedralKind.Phi)
                result.Add(($"{label}_positive", Array.ConvertAll(angles[k], a => a > 0 ? 1.0 : 0.0)));
        }
        return result;
    }
}
