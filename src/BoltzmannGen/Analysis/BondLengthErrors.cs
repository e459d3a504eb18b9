using BoltzmannGen.Data;

namespace BoltzmannGen.Analysis;

/// <summary>
/// How far generated bonds are from the molecule's: the median over frames and bonds of |length − reference
/// length|, with the reference length of each bond its mean over reference (MD) frames. For MD frames themselves
/// this is the thermal spread (~0.003 nm); docs/design.md §6.9 says generated bonds must come close to it.
/// </summary>
public static class BondLengthErrors
{
    /// <summary>Mean length (nm) of every topology bond over <paramref name="frames"/>.</summary>
    public static double[] MeanLengths(Topology topology, Frames frames)
    {
        var mean = new double[topology.Bonds.Count];
        for (int f = 0; f < frames.Count; f++)
        {
            var x = frames.Frame(f);
            for (int b = 0; b < mean.Length; b++) mean[b] += Topology.Distance(x, topology.Bonds[b].I, topology.Bonds[b].J);
        }
        for (int b = 0; b < mean.Length; b++) mean[b] /= Math.Max(1, frames.Count);
        return mean;
    }

    /// <summary>Median over frames and bonds of |length − <paramref name="reference"/>| (nm); NaN for no frames.</summary>
    public static double Median(Topology topology, Frames frames, IReadOnlyList<double> reference)
    {
        int bonds = topology.Bonds.Count;
        var errors = new double[(long)frames.Count * bonds];
        for (int f = 0; f < frames.Count; f++)
        {
            var x = frames.Frame(f);
            for (int b = 0; b < bonds; b++) errors[(long)f * bonds + b] = Math.Abs(Topology.Distance(x, topology.Bonds[b].I, topology.Bonds[b].J) - reference[b]);
        }
        if (errors.Length == 0) return double.NaN;
        Array.Sort(errors); // NaN (non-finite positions) sort first and are rare; the median stays meaningful
        int m = errors.Length / 2;
        return errors.Length % 2 == 1 ? errors[m] : 0.5 * (errors[m - 1] + errors[m]);
    }
}
