using System.Globalization;
using BoltzmannGen.Data;
using BoltzmannGen.Reporting.Metrics;
using CsvHelper;

namespace BoltzmannGen.Reporting;

/// <summary>
/// Writes a run's report folder: report.json, metrics.csv, report.md and a self-contained report.html. The
/// PNGs listed in <see cref="RunReport.Plots"/> are expected in the same folder (paths relative to it).
/// Every file is written atomically.
/// </summary>
public static class ReportWriter
{
    public const string JsonName = "report.json", MetricsName = "metrics.csv", MarkdownName = "report.md", HtmlName = "report.html";
    public static readonly string[] MetricsHeader = ["metric", "value", "ci_low", "ci_high", "unit"];

    /// <summary>Writes all four files into <paramref name="dir"/> (created if needed).</summary>
    public static void WriteAll(string dir, RunReport report)
    {
        Directory.CreateDirectory(dir);
        report.Write(Path.Combine(dir, JsonName));
        WriteMetricsCsv(Path.Combine(dir, MetricsName), report.Metrics());
        var doc = BuildDocument(report);
        doc.WriteMarkdown(Path.Combine(dir, MarkdownName));
        doc.WriteHtml(Path.Combine(dir, HtmlName));
    }

    /// <summary>
    /// metrics.csv: header metric,value,ci_low,ci_high,unit; one row per metric; empty field = not computed;
    /// non-finite values as inf, -inf, nan; full double precision.
    /// </summary>
    public static void WriteMetricsCsv(string path, IEnumerable<MetricRow> rows) =>
        AtomicFile.Write(path, stream =>
        {
            using var csv = CsvWriter.Create(stream, null, true);
            csv.WriteHeader(MetricsHeader);
            foreach (var r in rows)
            {
                csv.WriteField(r.Metric);
                csv.WriteField(Raw(r.Value));
                csv.WriteField(Raw(r.CiLow));
                csv.WriteField(Raw(r.CiHigh));
                csv.WriteField(r.Unit);
                csv.EndRecord();
            }
            csv.Flush();
        });

    internal static string Raw(double? v) => v is { } x ? EnergyCsv.Format(x) : "";

    /// <summary>A number for people: 4 significant digits, "n/a" for null, inf/-inf/nan spelled out.</summary>
    public static string Fmt(double? v, string format = "G4") => v switch
    {
        null => "n/a",
        double.NaN => "nan",
        double.PositiveInfinity => "inf",
        double.NegativeInfinity => "-inf",
        { } x => x.ToString(format, CultureInfo.InvariantCulture),
    };

    public static string FmtCi(double[]? ci) => ci is { Length: 2 } ? $"[{Fmt(ci[0])}, {Fmt(ci[1])}]" : "n/a";

    private static string Pct(double? f) => f is { } x ? Plots.FormatPercent(x) : "n/a";

    /// <summary>The metrics of a group that report.md/html show (<see cref="Metric.InReport"/>), in order.</summary>
    private static IEnumerable<Metric> Shown(MetricGroup group) => MetricRegistry.In(group).Where(m => m.InReport);

    /// <summary>
    /// report.md/html: the key numbers (the shown <see cref="MetricGroup.Quality"/> metrics), ΔF and basin
    /// populations, the sample counts (<see cref="MetricGroup.Samples"/>), clipping, timings and efficiency
    /// (<see cref="MetricGroup.Efficiency"/>), notes, plots, and how to read them.
    /// </summary>
    public static ReportDocument BuildDocument(RunReport r)
    {
        var doc = new ReportDocument($"BoltzmannGen report: {r.Label} ({r.System})");
        string ciName = r.CiLevel is { } lvl ? $"{(lvl * 100).ToString("0.#", CultureInfo.InvariantCulture)} % CI" : "CI";

        doc.Add(new ReportDocument.Heading(2, "Key numbers"));
        var keyNumbers = new List<IReadOnlyList<string>> { new[] { "system", r.System, "" } };
        keyNumbers.AddRange(Shown(MetricGroup.Quality).Select(m => (IReadOnlyList<string>)[m.Name, m.Format(m.Read(r)), m.DisplayUnit]));
        keyNumbers.Add(["weight clipping", r.Clipping is { } c ? $"{Pct(c.ClipFraction)} of samples clipped" : "none", ""]);
        doc.Add(new ReportDocument.Table(["quantity", "value", "unit"], keyNumbers));

        foreach (var block in FreeEnergyDifferences.Tables(r, ciName)) doc.Add(block);

        doc.Add(new ReportDocument.Heading(2, "Samples"));
        var counts = new List<IReadOnlyList<string>> { new[] { "generated (n)", r.NSamples.ToString(CultureInfo.InvariantCulture) } };
        counts.AddRange(Shown(MetricGroup.Samples).Select(m => (IReadOnlyList<string>)[m.Name, m.Format(m.Read(r))]));
        doc.Add(new ReportDocument.Table(["count", "samples"], counts));
        if (r.Clipping is { } clip)
        {
            doc.Add(new ReportDocument.Heading(2, "Weight clipping"));
            doc.Add(new ReportDocument.Paragraph($"{Pct(clip.ClipFraction)} of the samples had their weights clipped. {clip.Bias}"));
        }

        var efficiency = Shown(MetricGroup.Efficiency).Select(m => (Metric: m, Value: m.Read(r))).ToList();
        if (r.Timings.Count > 0 || efficiency.Any(e => e.Value is not null))
        {
            doc.Add(new ReportDocument.Heading(2, "Timings and efficiency"));
            var rows = r.Timings.Select(t => (IReadOnlyList<string>)[t.Key, Fmt(t.Value, "0.0"), "s"]).ToList();
            if (r.Timings.Count > 1) rows.Add(["total", Fmt(r.Timings.Values.Sum(), "0.0"), "s"]);
            rows.AddRange(efficiency.Select(e => (IReadOnlyList<string>)[e.Metric.Name, e.Metric.Format(e.Value), e.Metric.DisplayUnit]));
            doc.Add(new ReportDocument.Table(["stage / quantity", "value", "unit"], rows));
        }

        if (r.Notes.Count > 0)
        {
            doc.Add(new ReportDocument.Heading(2, "Notes"));
            doc.Add(new ReportDocument.Bullets(r.Notes));
        }

        if (r.Plots.Count > 0)
        {
            doc.Add(new ReportDocument.Heading(2, "Plots"));
            foreach (var p in r.Plots) doc.Add(new ReportDocument.Figure(p.File, p.Caption));
        }

        doc.Add(new ReportDocument.Heading(2, "How to read this"));
        doc.Add(new ReportDocument.Bullets(HowToRead(r.Clipping is not null)));
        return doc;
    }

    /// <summary>The short explanation at the end of every report.</summary>
    public static IReadOnlyList<string> HowToRead(bool clipped) =>
    [
        "ESS fraction: the effective sample size ESS = (Σw)² / Σw² of the importance weights divided by the number of samples n. " +
        "It is the share of samples that would give the same statistical precision if they had been drawn from the Boltzmann " +
        "distribution itself: 100 % is a perfect proposal, and a tiny fraction means a few samples carry all the weight and " +
        "reweighted estimates are noisy. Invalid and non-finite-energy samples get weight 0 but still count in n.",
        "E-W1 / E-W2: 1-D Wasserstein distances (order 1 and 2) between the reduced-energy distributions u = E/k_BT of the MD " +
        "test frames and of the flow samples, in k_BT. E-W1 is roughly the average shift of energies; below about 1 k_BT the " +
        "energy distributions agree well. The unweighted value judges the raw proposal, the reweighted value the estimator.",
        "T-W2: 2-Wasserstein distance between backbone-dihedral sets on the torus (wrapped angle differences), in radians.",
        "NLL: −mean log q on MD test frames in nats over the 3N−3 centre-of-mass-free degrees of freedom (lower is better); " +
        "per DoF divides by 3N−3.",
        "ΔF = −ln(P(φ>0) / P(φ<0)) in k_BT for each residue with a φ angle: the free-energy difference between the φ>0 and φ<0 " +
        "basins, from reweighted flow samples and from MD, with bootstrap confidence intervals; |ΔF − ΔF_MD| is the error.",
        clipped
            ? "Clipping: this run clipped the largest importance weights. That lowers the variance and raises the ESS, but the " +
              "estimator is no longer unbiased: the reweighted results are pulled towards the flow's own distribution, most for " +
              "rare regions the flow under-samples."
            : "Clipping: none was applied here, so reweighted estimates are unbiased (but can be noisy when the ESS is small). " +
              "Clipping the largest weights would raise the ESS at the price of a bias towards the flow's own distribution.",
        "Free-energy plots show −ln p in k_BT relative to the minimum; the colour scale ends at 6 k_BT (higher values take the " +
        "6 k_BT colour) and empty bins are white.",
    ];
}
