namespace BoltzmannGen.Reporting.Metrics;

/// <summary>Samples whose energy is not finite, e.g. clashes (weight 0; they still count in n).</summary>
public sealed class NonFiniteEnergySamples() : Metric(MetricGroup.Samples, 20, key: "sample_counts.non_finite_energy",
    csvName: "non_finite_energy_samples", name: "non-finite energy (weight 0)", unit: "samples", direction: MetricDirection.LowerIsBetter)
{
    public override double? Compute(MetricInputs inputs) => inputs.ReducedEnergies.Count(v => !double.IsFinite(v));
    public override double? Read(RunReport report) => report.SampleCounts.NonFiniteEnergy;
    public override RunReport Store(RunReport report, double? value) =>
        report with { SampleCounts = report.SampleCounts with { NonFiniteEnergy = (int)(value ?? 0) } };
    public override string Format(double? value) => Whole(value);
}
