using System.Text.Json.Serialization;

namespace BoltzmannGen.Reporting;

/// <summary>
/// A 2-D free-energy surface on a regular grid, e.g. −ln p(φ, ψ) in k_BT shifted so that its minimum is 0.
/// <paramref name="Values"/>[i, j] is the bin with x in [XEdges[i], XEdges[i+1]) and y in [YEdges[j], YEdges[j+1])
/// (numpy.histogram2d's H[x, y] layout); NaN marks an empty bin. Edges must be increasing and evenly spaced.
/// </summary>
public sealed record FreeEnergyGrid(double[] XEdges, double[] YEdges, double[,] Values)
{
    public int NX => XEdges.Length - 1;
    public int NY => YEdges.Length - 1;

    /// <summary>Throws when the edges do not match the values or are not evenly spaced and increasing.</summary>
    public void Validate()
    {
        if (XEdges.Length < 2 || YEdges.Length < 2)
            throw new ArgumentException("FreeEnergyGrid needs at least two edges per axis.");
        if (Values.GetLength(0) != NX || Values.GetLength(1) != NY)
            throw new ArgumentException($"FreeEnergyGrid values are {Values.GetLength(0)}×{Values.GetLength(1)} but the edges define {NX}×{NY} bins.");
        CheckEven(XEdges, "x");
        CheckEven(YEdges, "y");
    }

    private static void CheckEven(double[] edges, string axis)
    {
        double width = (edges[^1] - edges[0]) / (edges.Length - 1);
        if (!(width > 0) || !double.IsFinite(width))
            throw new ArgumentException($"FreeEnergyGrid {axis} edges must be finite and increasing.");
        for (int i = 1; i < edges.Length; i++)
            if (Math.Abs(edges[i] - edges[i - 1] - width) > 1e-6 * width)
                throw new ArgumentException($"FreeEnergyGrid {axis} edges must be evenly spaced.");
    }
}

/// <summary>One panel of a Ramachandran figure: a label ("MD", "flow (reweighted)", …) and its surface.</summary>
public sealed record RamachandranPanel(string Label, FreeEnergyGrid Grid);

/// <summary>
/// A 1-D profile (e.g. F(φ) in k_BT at bin centres in degrees) with an optional confidence band
/// (<paramref name="Lower"/>/<paramref name="Upper"/>, same length as <paramref name="Centres"/>). Non-finite
/// values are left out of the line; non-finite band ends are left out of the band. With
/// <paramref name="EffectiveCounts"/> (per bin, <see cref="ProfileRange.EffectiveCounts"/>), bins with fewer than
/// <see cref="ProfileRange.MinEffectiveSamples"/> are drawn as hollow markers, outside the line and band.
/// </summary>
public sealed record Profile1D(string Label, double[] Centres, double[] Values, double[]? Lower = null, double[]? Upper = null,
    double[]? EffectiveCounts = null);

/// <summary>
/// Raw samples for a histogram with optional non-negative weights (same length). Non-finite values, and
/// non-finite or zero weights, are not drawn but are counted in the legend.
/// </summary>
public sealed record SampleSet(string Label, double[] Values, double[]? Weights = null)
{
    /// <summary>
    /// Weights from log importance weights, exp(log w − max log w); samples with non-finite log w get weight 0.
    /// </summary>
    public static SampleSet FromLogWeights(string label, double[] values, double[] logWeights)
    {
        if (values.Length != logWeights.Length)
            throw new ArgumentException($"{label}: {values.Length} values but {logWeights.Length} log weights.");
        double max = double.NegativeInfinity;
        foreach (double lw in logWeights) if (double.IsFinite(lw) && lw > max) max = lw;
        var w = new double[logWeights.Length];
        for (int i = 0; i < w.Length; i++) w[i] = double.IsFinite(logWeights[i]) ? Math.Exp(logWeights[i] - max) : 0;
        return new SampleSet(label, values, w);
    }
}

/// <summary>
/// A plot written for a report: file name relative to the report folder, and a one-line caption. report.json keys
/// "file" and "caption" (reports written before they were snake_case say "File" and "Caption"; they still read).
/// </summary>
public sealed record PlotFile([property: JsonPropertyName("file")] string File, [property: JsonPropertyName("caption")] string Caption);
