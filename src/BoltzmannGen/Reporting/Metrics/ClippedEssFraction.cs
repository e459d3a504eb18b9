namespace BoltzmannGen.Reporting.Metrics;

/// <summary>
/// ESS / n with the top <see cref="ReportOptions.EssClipTop"/> (0.2 %) of the log-weights as written capped at the
/// next one: the published benchmarks' convention. Independent of <c>--clip-top</c>.
/// </summary>
public sealed class ClippedEssFraction() : Metric(MetricGroup.Quality, 40, key: "ess_clipped_fraction", name: "ESS fraction, top weights clipped",
    unit: "fraction", direction: MetricDirection.HigherIsBetter, inReport: false)
{
    public override double? Compute(MetricInputs inputs) => inputs.RawWeights.ClipTop(inputs.Options.EssClipTop).EffectiveSampleFraction;
    public override double? Read(RunReport report) => report.EssClippedFraction;
    public override RunReport Store(RunReport report, double? value) => report with { EssClippedFraction = value };
    public override string Format(double? value) => Percent(value);
    public override IEnumerable<SummaryRow> Summary(RunReport report) =>
        [new($"ESS fraction, top {report.EssClipTop ?? 0:P1} of weights clipped", SummaryValue(Read(report), "P3"))];
}
