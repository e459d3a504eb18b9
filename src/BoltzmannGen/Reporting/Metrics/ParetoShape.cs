using BoltzmannGen.Analysis;

namespace BoltzmannGen.Reporting.Metrics;

/// <summary>
/// Pareto k̂ of the raw importance weights' tail (<see cref="ParetoTail"/>): whether the unclipped ESS and the
/// reweighted figures can be trusted. Below 0.5 the weights have finite variance; above 0.7 a few extreme draws
/// set the unclipped ESS, and another seed gives another (al4: 0.55–4.1 % across seeds).
/// </summary>
public sealed class ParetoShape() : Metric(MetricGroup.Quality, 42, key: "pareto_k", name: "Pareto k̂ of the weights' tail (> 0.7: unclipped ESS unreliable)",
    unit: "shape", direction: MetricDirection.LowerIsBetter)
{
    public override double? Compute(MetricInputs inputs) => ParetoTail.Shape(inputs.RawWeights.LogWeights);
    public override string Format(double? value) => value is { } k ? k.ToString("F2", System.Globalization.CultureInfo.InvariantCulture) : "n/a";
}
