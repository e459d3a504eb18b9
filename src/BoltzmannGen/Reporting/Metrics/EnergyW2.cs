using BoltzmannGen.Analysis;

namespace BoltzmannGen.Reporting.Metrics;

/// <summary>E-W2 (design §7.2): Wasserstein-2 distance between reduced energies of the MD test split and of the reweighted samples.</summary>
public sealed class EnergyW2() : Metric(MetricGroup.Quality, 60, key: "e_w2", name: "E-W2 (reweighted)", unit: "k_BT",
    direction: MetricDirection.LowerIsBetter, comparisonHeader: "E-W2 (k_BT)")
{
    public override double? Compute(MetricInputs inputs) =>
        inputs.NormalizedWeights is { } w ? EnergyWasserstein.W2(inputs.TestReducedEnergies, inputs.ReducedEnergies, null, w) : null;
    public override double? Read(RunReport report) => report.EW2;
    public override RunReport Store(RunReport report, double? value) => report with { EW2 = value };
}
