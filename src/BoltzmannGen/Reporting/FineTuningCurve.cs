using System.Globalization;
using ScottPlot;

namespace BoltzmannGen.Reporting;

/// <summary>A published figure to show beside ours: ESS reached after so many energy evaluations, and where it is from.</summary>
public sealed record PublishedEss(double Evaluations, double EssPercent, string Source);

/// <summary>
/// ESS of the fixed validation batch against the energy evaluations spent while fine-tuning (finetune_log.csv), unclipped
/// and with the top 0.2 % of log-weights clipped, on a logarithmic evaluation axis so that published anchors trained
/// with 10⁸ evaluations fit beside runs of 10⁵–10⁶.
/// </summary>
public static class FineTuningCurve
{
    /// <summary>Published ESS of flows trained with the energy, same kind of coordinates (README "Results").</summary>
    public static IReadOnlyList<PublishedEss> Anchors(string system) => system switch
    {
        "aldp" => [new(1e8, 94, "FAB (published)"), new(2.6e8, 96, "annealed BG (published)")],
        "al4" => [new(1e8, 64, "published, ACE-AAA-NME"), new(2e8, 66, "published, ACE-AAA-NME")],
        _ => [],
    };

    public static void Write(string path, IReadOnlyList<(long Evaluations, double Ess, double EssClipped)> rows, string title,
                             IReadOnlyList<PublishedEss> anchors, int width = 900, int height = 600)
    {
        var p = FigureStyle.NewPlot();
        var usable = rows.Where(r => r.Evaluations > 0).ToArray();
        var xs = usable.Select(r => Math.Log10(r.Evaluations)).ToArray();
        Plots.AddLine(p, xs, usable.Select(r => 100 * r.Ess).ToArray(), "ESS (unclipped)", 0, markers: true);
        Plots.AddLine(p, xs, usable.Select(r => 100 * r.EssClipped).ToArray(), "ESS (top 0.2 % clipped)", 1, markers: true);
        for (int i = 0; i < anchors.Count; i++)
        {
            var m = p.Add.Marker(Math.Log10(anchors[i].Evaluations), anchors[i].EssPercent);
            m.Color = FigureStyle.SeriesColor(3 + i);
            m.Size = 10;
            m.Shape = MarkerShape.FilledDiamond;
            m.LegendText = anchors[i].Source;
        }
        p.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            LabelFormatter = x => Math.Pow(10, x).ToString("0.#E+0", CultureInfo.InvariantCulture),
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
        };
        p.Axes.SetLimitsY(0, 100);
        p.Title(title);
        p.XLabel("energy evaluations in fine-tuning (log scale)");
        p.YLabel("ESS of held-out flow samples (%)");
        p.ShowLegend(Alignment.UpperLeft);
        FigureStyle.WriteBytes(path, FigureStyle.RenderPng(p, width, height));
    }
}
