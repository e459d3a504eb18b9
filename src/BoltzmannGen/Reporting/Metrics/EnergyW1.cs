using BoltzmannGen.Analysis;

namespace BoltzmannGen.Reporting.Metrics;

/// <summary>E-W1 (design §7.2): Wasserstein-1 distance between reduced energies of the MD test split and of the reweighted samples.</summary>
public sealed class EnergyW1() : Metric(MetricGroup.Quality, 50, key: "e_w1", name: "E-W1 (reweighted)", unit: "k_BT",
    direction: MetricDirection.LowerIsBetter, comparisonHeader: "E-W1 (k_BT)")
{
    public override double? Compute(MetricInputs inputs) =>
        inputs.NormalizedWeights is { } w ? EnergyWasserstein.W1(inputs.TestReducedEnergies, inputs.ReducedEnergies, null, w) : null;
    public override double? Read(RunReport report) => report.EW1;
    public override RunReport Store(RunReport report, double? value) => report with { EW1 = value };
    public override IEnumerable<SummaryRow> Summary(RunReport report) => [new("E-W1 (k_BT, reweighted)", SummaryValue(Read(report), "F3"))];
}
