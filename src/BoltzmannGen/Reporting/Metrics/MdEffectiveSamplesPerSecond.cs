namespace BoltzmannGen.Reporting.Metrics;

/// <summary>MD's effective independent samples per wall-clock second, Σ effective_samples / wall_seconds of meta.json (design §7.7).</summary>
public sealed class MdEffectiveSamplesPerSecond() : Metric(MetricGroup.Efficiency, 30, key: "efficiency.md_effective_samples_per_s",
    name: "effective samples per second (MD)", unit: "1/s")
{
    public override double? Compute(MetricInputs inputs) =>
        inputs.Reference.Meta is { WallSeconds: > 0, EffectiveSamples.Count: > 0 } meta ? meta.EffectiveSamples.Values.Sum() / meta.WallSeconds : null;
    public override double? Read(RunReport report) => report.Efficiency.MdEffectiveSamplesPerSecond;
    public override RunReport Store(RunReport report, double? value) =>
        report with { Efficiency = report.Efficiency with { MdEffectiveSamplesPerSecond = value } };
}
