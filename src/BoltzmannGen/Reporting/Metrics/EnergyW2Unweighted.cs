using BoltzmannGen.Analysis;

namespace BoltzmannGen.Reporting.Metrics;

/// <summary>E-W2 of the raw proposal (design §7.2): every finite-energy sample weighs 1.</summary>
public sealed class EnergyW2Unweighted() : Metric(MetricGroup.Quality, 80, key: "e_w2_unweighted", name: "E-W2 (unweighted)", unit: "k_BT",
    direction: MetricDirection.LowerIsBetter)
{
    public override double? Compute(MetricInputs inputs) =>
        inputs.AnyFiniteEnergy ? EnergyWasserstein.W2(inputs.TestReducedEnergies, inputs.ReducedEnergies, null, inputs.FiniteEnergy) : null;
    public override double? Read(RunReport report) => report.EW2Unweighted;
    public override RunReport Store(RunReport report, double? value) => report with { EW2Unweighted = value };
}
