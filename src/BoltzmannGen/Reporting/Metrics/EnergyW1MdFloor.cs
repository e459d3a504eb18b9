using BoltzmannGen.Analysis;

namespace BoltzmannGen.Reporting.Metrics;

/// <summary>
/// E-W1 of MD itself: reduced energies of the training split against the test split. Two stretches of one
/// trajectory differ by this much; a flow's E-W1 near it is at the metric's floor (al4: about 0.4 k_BT).
/// </summary>
public sealed class EnergyW1MdFloor() : Metric(MetricGroup.Quality, 55, key: "e_w1_md_floor", name: "E-W1 of MD itself (train vs test split)",
    unit: "k_BT")
{
    public override double? Compute(MetricInputs inputs)
    {
        double kT = inputs.System.KT;
        var train = Array.ConvertAll(inputs.Reference.SplitEnergies("train"), e => e / kT);
        return EnergyWasserstein.W1(inputs.TestReducedEnergies, train);
    }

    // In the summary only when computed: reports written before the floors existed keep their summary.
    public override IEnumerable<SummaryRow> Summary(RunReport report) =>
        Read(report) is { } v ? [new("E-W1 of MD itself, train vs test (k_BT; floor)", SummaryValue(v, "F3"))] : [];
}
