namespace BoltzmannGen.Reporting.Metrics;

/// <summary>Samples that failed reweight's validity check (weight 0; they still count in n).</summary>
public sealed class InvalidSamples() : Metric(MetricGroup.Samples, 10, key: "sample_counts.invalid", csvName: "invalid_samples",
    name: "invalid (failed the validity check, weight 0)", unit: "samples", direction: MetricDirection.LowerIsBetter)
{
    public override double? Compute(MetricInputs inputs) => inputs.Valid.Count(v => !v);
    public override double? Read(RunReport report) => report.SampleCounts.Invalid;
    public override RunReport Store(RunReport report, double? value) =>
        report with { SampleCounts = report.SampleCounts with { Invalid = (int)(value ?? 0) } };
    public override string Format(double? value) => Whole(value);
}
