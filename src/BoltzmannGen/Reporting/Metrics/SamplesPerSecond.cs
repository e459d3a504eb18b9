namespace BoltzmannGen.Reporting.Metrics;

/// <summary>Samples (with log q) generated per second of sampling (design §7.7).</summary>
public sealed class SamplesPerSecond() : Metric(MetricGroup.Efficiency, 10, key: "efficiency.samples_per_s", name: "samples per second",
    unit: "1/s", direction: MetricDirection.HigherIsBetter, comparisonHeader: "samples/s")
{
    public override double? Compute(MetricInputs inputs) => inputs.SamplingSeconds is > 0 ? inputs.Count / inputs.SamplingSeconds : null;
    public override double? Read(RunReport report) => report.Efficiency.SamplesPerSecond;
    public override RunReport Store(RunReport report, double? value) =>
        report with { Efficiency = report.Efficiency with { SamplesPerSecond = value } };
    public override IEnumerable<SummaryRow> Summary(RunReport report) => [new("samples with log q per second", SummaryValue(Read(report), "N0"))];
}
