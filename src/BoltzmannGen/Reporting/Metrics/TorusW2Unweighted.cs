using BoltzmannGen.Analysis;

namespace BoltzmannGen.Reporting.Metrics;

/// <summary>T-W2 of the raw proposal (design §7.3): every sample weighs 1.</summary>
public sealed class TorusW2Unweighted() : Metric(MetricGroup.Quality, 100, key: "t_w2_unweighted", name: "T-W2 (unweighted)", unit: "rad",
    direction: MetricDirection.LowerIsBetter)
{
    public override double? Compute(MetricInputs inputs) =>
        TorusWasserstein.Compute(inputs.TestTorusPoints, inputs.SampleTorusPoints, null, null, inputs.TorusOptions).Distance;
    public override double? Read(RunReport report) => report.TW2Unweighted;
    public override RunReport Store(RunReport report, double? value) => report with { TW2Unweighted = value };
}
