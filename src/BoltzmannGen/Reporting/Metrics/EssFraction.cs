namespace BoltzmannGen.Reporting.Metrics;

/// <summary>ESS / n (design §7.1): the share of samples as good as draws from the Boltzmann distribution.</summary>
public sealed class EssFraction() : Metric(MetricGroup.Quality, 30, key: "ess_fraction", name: "ESS fraction", unit: "fraction",
    displayUnit: "of n", direction: MetricDirection.HigherIsBetter, comparisonHeader: "ESS fraction")
{
    public override double? Compute(MetricInputs inputs) => inputs.Weights.EffectiveSampleFraction;
    public override double? Read(RunReport report) => report.EssFraction;
    public override RunReport Store(RunReport report, double? value) => report with { EssFraction = value };
    public override string Format(double? value) => Percent(value);
    public override IEnumerable<SummaryRow> Summary(RunReport report) => [new("ESS fraction", SummaryValue(Read(report), "P3"))];
}
