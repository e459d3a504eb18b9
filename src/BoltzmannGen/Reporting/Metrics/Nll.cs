namespace BoltzmannGen.Reporting.Metrics;

/// <summary>NLL (design §7.4): −mean log q of the MD test frames under the model, in nats; needs <c>--model</c>.</summary>
public sealed class Nll() : Metric(MetricGroup.Quality, 110, key: "nll", name: "NLL on MD test frames", unit: "nats",
    direction: MetricDirection.LowerIsBetter, comparisonHeader: "NLL (nats)")
{
    public override double? Compute(MetricInputs inputs)
    {
        if (inputs.TestLogQ is { } logQ) return -logQ.Average();
        inputs.Notes.Add("NLL not computed: no model given (`--model`).");
        return null;
    }

    public override double? Read(RunReport report) => report.Nll;
    public override RunReport Store(RunReport report, double? value) => report with { Nll = value };
}
