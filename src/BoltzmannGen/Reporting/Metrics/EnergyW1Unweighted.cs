using BoltzmannGen.Analysis;

namespace BoltzmannGen.Reporting.Metrics;

/// <summary>E-W1 of the raw proposal (design §7.2): every finite-energy sample weighs 1.</summary>
public sealed class EnergyW1Unweighted() : Metric(MetricGroup.Quality, 70, key: "e_w1_unweighted", name: "E-W1 (unweighted)", unit: "k_BT",
    direction: MetricDirection.LowerIsBetter)
{
    public override double? Compute(MetricInputs inputs) =>
        inputs.AnyFiniteEnergy ? EnergyWasserstein.W1(inputs.TestReducedEnergies, inputs.ReducedEnergies, null, inputs.FiniteEnergy) : null;
    public override double? Read(RunReport report) => report.EW1Unweighted;
    public override RunReport Store(RunReport report, double? value) => report with { EW1Unweighted = value };
}
