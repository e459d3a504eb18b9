namespace BoltzmannGen.Reporting.Metrics;

/// <summary>ESS per second when the model's training time (timings["train"]) is charged as well as sampling and reweighting.</summary>
public sealed class EffectiveSamplesPerSecondWithTraining() : Metric(MetricGroup.Efficiency, 40,
    key: "efficiency.effective_samples_per_s_with_training", name: "effective samples per second, training included", unit: "1/s",
    direction: MetricDirection.HigherIsBetter, inReport: false)
{
    public override double? Compute(MetricInputs inputs) =>
        inputs.SamplingSeconds is > 0 && inputs.Options.Timings.TryGetValue("train", out double trained)
            ? inputs.Weights.EffectiveSampleSize / (trained + inputs.SamplingSeconds + (inputs.ReweightSeconds ?? 0))
            : null;
    public override double? Read(RunReport report) => report.Efficiency.EffectiveSamplesPerSecondWithTraining;
    public override RunReport Store(RunReport report, double? value) =>
        report with { Efficiency = report.Efficiency with { EffectiveSamplesPerSecondWithTraining = value } };
    public override IEnumerable<SummaryRow> Summary(RunReport report) =>
        [new("effective samples per second, training time included", SummaryValue(Read(report), "G3"))];
}
