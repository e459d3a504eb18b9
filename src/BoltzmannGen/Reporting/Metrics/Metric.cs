using System.Globalization;

namespace BoltzmannGen.Reporting.Metrics;

/// <summary>Which table of a report a metric belongs to; metrics.csv, report.md/html and comparisons keep this order.</summary>
public enum MetricGroup
{
    /// <summary>The key numbers: sample count, ESS, energy and dihedral distances, NLL.</summary>
    Quality,
    /// <summary>Sample counts and bond errors (report.json's sample_counts).</summary>
    Samples,
    /// <summary>Throughput and energy evaluations (report.json's efficiency and energy_evaluations).</summary>
    Efficiency,
}

/// <summary>Which way a metric improves, for comparing runs.</summary>
public enum MetricDirection { None, LowerIsBetter, HigherIsBetter }

/// <summary>One row of `bgen run`'s closing summary.</summary>
public sealed record SummaryRow(string Label, string Value);

/// <summary>
/// One scalar metric of a run's report (docs/design.md §7.8): it computes itself from the report's inputs, names and
/// formats itself, says which way is better, and knows where its value lives in report.json. Every non-abstract
/// subclass in this assembly is found by <see cref="MetricRegistry"/>, which orders them by
/// (<see cref="Group"/>, <see cref="Order"/>); RunReportBuilder, RunReport.Metrics (metrics.csv), ReportWriter
/// (report.md/html) and Comparison iterate that list. Adding a metric is one file here plus its test.
/// </summary>
/// <param name="group">the table it belongs to</param>
/// <param name="order">its place within the group (unique there; leave gaps)</param>
/// <param name="key">its report.json key; a dotted path ("efficiency.samples_per_s") for a value inside a nested object</param>
/// <param name="name">its label in report.md/html</param>
/// <param name="unit">its unit in metrics.csv (and report.md unless <paramref name="displayUnit"/> is given)</param>
/// <param name="displayUnit">its unit in report.md/html when that differs from <paramref name="unit"/></param>
/// <param name="csvName">its name in metrics.csv and comparison.csv (default: the last segment of the key)</param>
/// <param name="direction">which way is better</param>
/// <param name="inReport">false: in report.json and metrics.csv only, not in the report.md/html tables</param>
/// <param name="comparisonHeader">its column header in comparison.md/html, or null when comparisons leave it out</param>
public abstract class Metric(MetricGroup group, int order, string key, string name, string unit, string? displayUnit = null,
    string? csvName = null, MetricDirection direction = MetricDirection.None, bool inReport = true, string? comparisonHeader = null)
{
    public MetricGroup Group { get; } = group;
    public int Order { get; } = order;
    public string Key { get; } = key;
    public string Name { get; } = name;
    public string Unit { get; } = unit;
    public string DisplayUnit { get; } = displayUnit ?? unit;
    public string CsvName { get; } = csvName ?? key[(key.LastIndexOf('.') + 1)..];
    public MetricDirection Direction { get; } = direction;
    public bool InReport { get; } = inReport;
    public string? ComparisonHeader { get; } = comparisonHeader;

    /// <summary>The value from the report's inputs; null = not computed. A metric may add a note saying why it is missing.</summary>
    public abstract double? Compute(MetricInputs inputs);

    /// <summary>Its value in a report (null = not computed). Default: report.json's extra key <see cref="Key"/>.</summary>
    public virtual double? Read(RunReport report) => report.ExtraValue(Key);

    /// <summary>The report with this metric's value set. Default: report.json's extra key <see cref="Key"/>.</summary>
    public virtual RunReport Store(RunReport report, double? value) => report.WithExtraValue(Key, value);

    /// <summary>The value for people (report.md/html, comparison.md/html): 4 significant digits, "n/a" for null.</summary>
    public virtual string Format(double? value) => ReportWriter.Fmt(value);

    /// <summary>
    /// Its rows in `bgen run`'s closing summary, read back from report.json (label, value); none by default: the
    /// summary keeps to the figures a user came for. <see cref="RunReport.SummaryRows"/> collects them in registry order.
    /// </summary>
    public virtual IEnumerable<SummaryRow> Summary(RunReport report) => [];

    public override string ToString() => Key;

    /// <summary>A value in the summary: <paramref name="format"/> (invariant culture), "—" for null.</summary>
    protected static string SummaryValue(double? value, string format) =>
        value is { } x ? x.ToString(format, CultureInfo.InvariantCulture) : "—";

    /// <summary>"12.3 %"; "n/a" for null.</summary>
    protected static string Percent(double? value) => value is { } x ? Plots.FormatPercent(x) : "n/a";

    /// <summary>A count as a whole number; "n/a" for null.</summary>
    protected static string Whole(double? value) =>
        value is { } x && double.IsFinite(x) ? ((long)x).ToString(CultureInfo.InvariantCulture) : ReportWriter.Fmt(value);
}
