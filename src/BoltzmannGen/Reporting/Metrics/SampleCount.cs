namespace BoltzmannGen.Reporting.Metrics;

/// <summary>n: every sample generated, zero-weight ones included.</summary>
public sealed class SampleCount() : Metric(MetricGroup.Quality, 10, key: "n_samples", name: "samples (n)", unit: "samples")
{
    public override double? Compute(MetricInputs inputs) => inputs.Count;
    public override double? Read(RunReport report) => report.NSamples;
    public override RunReport Store(RunReport report, double? value) => report with { NSamples = (int)(value ?? 0) };
    public override string Format(double? value) => Whole(value);
    public override IEnumerable<SummaryRow> Summary(RunReport report) => [new("samples", SummaryValue(Read(report), "N0"))];
}
