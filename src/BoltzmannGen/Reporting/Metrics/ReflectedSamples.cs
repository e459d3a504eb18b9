namespace BoltzmannGen.Reporting.Metrics;

/// <summary>Mirror-image (all-D) samples that reweight reflected to L before scoring.</summary>
public sealed class ReflectedSamples() : Metric(MetricGroup.Samples, 30, key: "sample_counts.reflected", csvName: "reflected_samples",
    name: "mirror images reflected", unit: "samples")
{
    public override double? Compute(MetricInputs inputs) => inputs.Reflected?.Count(r => r) ?? 0;
    public override double? Read(RunReport report) => report.SampleCounts.Reflected;
    public override RunReport Store(RunReport report, double? value) =>
        report with { SampleCounts = report.SampleCounts with { Reflected = (int)(value ?? 0) } };
    public override string Format(double? value) => Whole(value);
}
