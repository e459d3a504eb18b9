namespace BoltzmannGen.Reporting.Metrics;

/// <summary>NLL per centre-of-mass-free degree of freedom, NLL / (3N − 3) (design §7.4).</summary>
public sealed class NllPerDof() : Metric(MetricGroup.Quality, 120, key: "nll_per_dof", name: "NLL per degree of freedom", unit: "nats/dof",
    direction: MetricDirection.LowerIsBetter)
{
    public override double? Compute(MetricInputs inputs) => inputs.TestLogQ is { } logQ ? -logQ.Average() / inputs.DegreesOfFreedom : null;
    public override double? Read(RunReport report) => report.NllPerDof;
    public override RunReport Store(RunReport report, double? value) => report with { NllPerDof = value };
}
