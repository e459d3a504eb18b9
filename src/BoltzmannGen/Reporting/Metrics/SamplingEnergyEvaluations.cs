namespace BoltzmannGen.Reporting.Metrics;

/// <summary>Energy evaluations spent scoring the samples: `bgen reweight` scores each sample once, SMC each particle at every move.</summary>
public sealed class SamplingEnergyEvaluations() : Metric(MetricGroup.Efficiency, 60, key: "energy_evaluations.sampling",
    csvName: "energy_evaluations[sampling]", name: "energy evaluations in sampling", unit: "evaluations", inReport: false)
{
    public override double? Compute(MetricInputs inputs) =>
        inputs.SmcEvaluationsPerParticle is { } e ? Math.Round(e * inputs.Count) : inputs.Count;
    public override double? Read(RunReport report) => report.EnergyEvaluations.Sampling;
    public override RunReport Store(RunReport report, double? value) =>
        report with { EnergyEvaluations = report.EnergyEvaluations with { Sampling = (long?)value } };
    public override string Format(double? value) => Whole(value);
}
