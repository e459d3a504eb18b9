namespace BoltzmannGen.Reporting.Metrics;

/// <summary>
/// The largest normalised importance weight, max w_i / Σ w: the share of every reweighted estimate carried by the
/// single heaviest sample. With ESS it tells one dominant sample (ESS ≈ 1 / max w) from a handful of heavy ones
/// (1 / max w ≤ ESS ≤ 1 / max w²). Uses the weights every estimate uses (after <c>--clip-top</c>); null when every
/// weight is zero.
/// </summary>
public sealed class MaxWeightFraction() : Metric(MetricGroup.Quality, 45, key: "max_weight_fraction", name: "largest normalised weight",
    unit: "fraction", displayUnit: "of Σw", direction: MetricDirection.LowerIsBetter)
{
    public override double? Compute(MetricInputs inputs) => inputs.NormalizedWeights?.Max();
    public override string Format(double? value) => Percent(value);
}
