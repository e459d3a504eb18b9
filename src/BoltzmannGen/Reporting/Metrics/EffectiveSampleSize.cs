namespace BoltzmannGen.Reporting.Metrics;

/// <summary>Kish's effective sample size (Σw)²/Σw² of the importance weights (design §6.7, §7.1).</summary>
public sealed class EffectiveSampleSize() : Metric(MetricGroup.Quality, 20, key: "ess", name: "ESS", unit: "samples",
    direction: MetricDirection.HigherIsBetter)
{
    public override double? Compute(MetricInputs inputs) => inputs.Weights.EffectiveSampleSize;
    public override double? Read(RunReport report) => report.Ess;
    public override RunReport Store(RunReport report, double? value) => report with { Ess = value };
}
