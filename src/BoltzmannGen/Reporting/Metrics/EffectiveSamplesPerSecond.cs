namespace BoltzmannGen.Reporting.Metrics;

/// <summary>ESS per second of sampling and reweighting (design §7.7).</summary>
public sealed class EffectiveSamplesPerSecond() : Metric(MetricGroup.Efficiency, 20, key: "efficiency.effective_samples_per_s",
    name: "effective samples per second (flow)", unit: "1/s", direction: MetricDirection.HigherIsBetter)
{
    public override double? Compute(MetricInputs inputs) => inputs.SamplingSeconds is > 0
        ? inputs.Weights.EffectiveSampleSize / (inputs.SamplingSeconds + (inputs.ReweightSeconds ?? 0))
        : null;
    public override double? Read(RunReport report) => report.Efficiency.EffectiveSamplesPerSecond;
    public override RunReport Store(RunReport report, double? value) =>
        report with { Efficiency = report.Efficiency with { EffectiveSamplesPerSecond = value } };
    // One row with MD's figure beside the flow's.
    public override IEnumerable<SummaryRow> Summary(RunReport report) =>
        [new("effective samples per second: flow / MD",
             $"{SummaryValue(Read(report), "G3")} / {SummaryValue(report.Efficiency.MdEffectiveSamplesPerSecond, "G3")}")];
}
