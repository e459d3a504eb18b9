using BoltzmannGen.Analysis;

namespace BoltzmannGen.Reporting.Metrics;

/// <summary>T-W2 (design §7.3): 2-Wasserstein distance on the torus of backbone dihedrals, MD test split against the reweighted samples.</summary>
public sealed class TorusW2() : Metric(MetricGroup.Quality, 90, key: "t_w2", name: "T-W2 (reweighted)", unit: "rad",
    direction: MetricDirection.LowerIsBetter, comparisonHeader: "T-W2 (rad)")
{
    public override double? Compute(MetricInputs inputs) => inputs.NormalizedWeights is { } w
        ? TorusWasserstein.Compute(inputs.TestTorusPoints, inputs.SampleTorusPoints, null, w, inputs.TorusOptions).Distance
        : null;
    public override double? Read(RunReport report) => report.TW2;
    public override RunReport Store(RunReport report, double? value) => report with { TW2 = value };
    public override IEnumerable<SummaryRow> Summary(RunReport report) => [new("T-W2 (rad)", SummaryValue(Read(report), "F3"))];
}
