using BoltzmannGen.Analysis;

namespace BoltzmannGen.Reporting.Metrics;

/// <summary>
/// T-W2 of MD itself: the training split against the test split, with the same point count and seed as
/// <see cref="TorusW2"/>. Exact samples score this much because both sets are finite (an empirical W2 in K angles
/// shrinks only like m^(−1/K)) and the test split holds few independent conformations; a flow's T-W2 near it is
/// at the metric's floor. al4's 6 angles put it at 0.98 rad (docs/results.md).
/// </summary>
public sealed class TorusW2MdFloor() : Metric(MetricGroup.Quality, 105, key: "t_w2_md_floor", name: "T-W2 of MD itself (train vs test split)",
    unit: "rad")
{
    public override double? Compute(MetricInputs inputs)
    {
        var train = TorusWasserstein.SamplesFromSeries(Dihedrals.Series(inputs.TrainFrames, inputs.Dihedrals));
        return TorusWasserstein.Compute(inputs.TestTorusPoints, train, null, null, inputs.TorusOptions).Distance;
    }

    // In the summary only when computed: reports written before the floors existed keep their summary.
    public override IEnumerable<SummaryRow> Summary(RunReport report) =>
        Read(report) is { } v ? [new("T-W2 of MD itself, train vs test (rad; floor)", SummaryValue(v, "F3"))] : [];
}
