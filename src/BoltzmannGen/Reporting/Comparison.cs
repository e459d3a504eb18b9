using System.Globalization;
using BoltzmannGen.Data;
using BoltzmannGen.Reporting.Metrics;
using CsvHelper;
using ScottPlot;

namespace BoltzmannGen.Reporting;

/// <summary>
/// Compares several runs: comparison.md / comparison.csv / comparison.html (one row per run) and comparison.png
/// (bar plots of ESS fraction and E-W1 per run). Training time is timings["train"] (plus timings["teacher"] when
/// present: the teacher is part of training a FORT student on reflow targets).
/// </summary>
public static class Comparison
{
    public const string MarkdownName = "comparison.md", CsvName = "comparison.csv", HtmlName = "comparison.html", PlotName = "comparison.png";

    public static double? TrainingSeconds(RunReport r)
    {
        bool hasTrain = r.Timings.TryGetValue("train", out double train);
        bool hasTeacher = r.Timings.TryGetValue("teacher", out double teacher);
        return hasTrain || hasTeacher ? (hasTrain ? train : 0) + (hasTeacher ? teacher : 0) : null;
    }

    /// <summary>One column of the comparison: its comparison.csv header, its comparison.md/html header, its value, its format.</summary>
    public sealed record Column(string Key, string Header, Func<RunReport, double?> Value, Func<double?, string> Format);

    /// <summary>
    /// The compared columns, in order: the <see cref="MetricGroup.Quality"/> metrics with a comparison header, the ΔF
    /// error per residue, the training time, and the <see cref="MetricGroup.Efficiency"/> metrics with a comparison header.
    /// </summary>
    public static IReadOnlyList<Column> Columns(IReadOnlyList<RunReport> runs) =>
    [
        .. Compared(MetricGroup.Quality),
        .. FreeEnergyDifferences.Columns(runs),
        new Column("training_time_s", "training time (s)", TrainingSeconds, v => ReportWriter.Fmt(v, "0.0")),
        .. Compared(MetricGroup.Efficiency),
    ];

    private static IEnumerable<Column> Compared(MetricGroup group) =>
        MetricRegistry.In(group).Where(m => m.ComparisonHeader is not null)
            .Select(m => new Column(m.CsvName, m.ComparisonHeader!, m.Read, m.Format));

    /// <summary>The table as header + rows of raw values (CSV form; null = not available).</summary>
    public static (string[] Header, List<(string Label, string System, double?[] Values)> Rows) Table(IReadOnlyList<RunReport> runs)
    {
        var columns = Columns(runs);
        var header = new[] { "label", "system" }.Concat(columns.Select(c => c.Key)).ToArray();
        var rows = runs.Select(r => (r.Label, r.System, columns.Select(c => c.Value(r)).ToArray())).ToList();
        return (header, rows);
    }

    /// <summary>Writes the four comparison files into <paramref name="dir"/> (created if needed).</summary>
    public static void Write(string dir, IReadOnlyList<RunReport> runs)
    {
        if (runs.Count == 0) throw new ArgumentException("nothing to compare: no reports");
        Directory.CreateDirectory(dir);
        var (header, rows) = Table(runs);

        AtomicFile.Write(Path.Combine(dir, CsvName), stream =>
        {
            using var csv = CsvWriter.Create(stream, null, true);
            csv.WriteHeader(header);
            foreach (var (label, system, values) in rows)
            {
                csv.WriteField(label);
                csv.WriteField(system);
                foreach (var v in values) csv.WriteField(ReportWriter.Raw(v));
                csv.EndRecord();
            }
            csv.Flush();
        });

        WritePlot(Path.Combine(dir, PlotName), runs);

        var columns = Columns(runs);
        var doc = new ReportDocument($"BoltzmannGen comparison of {runs.Count} runs");
        doc.Add(new ReportDocument.Table(
            new[] { "run", "system" }.Concat(columns.Select(c => c.Header)).ToArray(),
            rows.Select(row => (IReadOnlyList<string>)new[] { row.Label, row.System }
                .Concat(columns.Select((c, k) => c.Format(row.Values[k]))).ToArray()).ToList()));
        doc.Add(new ReportDocument.Figure(PlotName, $"ESS fraction (left, {Better(Ess)}) and E-W1 (right, {Better(EW1)}) per run."));
        doc.Add(new ReportDocument.Heading(2, "How to read this"));
        doc.Add(new ReportDocument.Bullets(ReportWriter.HowToRead(runs.Any(r => r.Clipping is not null))));
        var clipped = runs.Where(r => r.Clipping is not null).Select(r => r.Label).ToList();
        if (clipped.Count > 0)
            doc.Add(new ReportDocument.Paragraph($"Runs with weight clipping (biased estimates): {string.Join(", ", clipped)}."));
        doc.WriteMarkdown(Path.Combine(dir, MarkdownName));
        doc.WriteHtml(Path.Combine(dir, HtmlName));
    }

    /// <summary>The two metrics comparison.png draws, one panel each.</summary>
    private static Metric Ess => MetricRegistry.Get("ess_fraction");
    private static Metric EW1 => MetricRegistry.Get("e_w1");

    private static string Better(Metric m) => m.Direction switch
    {
        MetricDirection.HigherIsBetter => "higher is better",
        MetricDirection.LowerIsBetter => "lower is better",
        _ => "no better direction",
    };

    /// <summary>Bar plots of ESS fraction (%) and E-W1 (k_BT) per run, side by side.</summary>
    public static void WritePlot(string path, IReadOnlyList<RunReport> runs, int panelWidth = 700, int height = 600)
    {
        var labels = runs.Select(r => r.Label).ToArray();
        var ess = Plots.BuildBars("ESS fraction", "ESS / n (%)", labels, runs.Select(r => Ess.Read(r) * 100).ToArray(), 2);
        var ew1 = Plots.BuildBars("E-W1 (reweighted)", "E-W1 (k_BT)", labels, runs.Select(r => EW1.Read(r)).ToArray(), 0);
        FigureStyle.WriteBytes(path, FigureStyle.Compose(2 * panelWidth, height, null,
            [(ess, new PixelRect(0, panelWidth, height, 0)), (ew1, new PixelRect(panelWidth, 2 * panelWidth, height, 0))]));
    }
}
