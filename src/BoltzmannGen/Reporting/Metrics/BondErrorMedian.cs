using BoltzmannGen.Analysis;

namespace BoltzmannGen.Reporting.Metrics;

/// <summary>Median |bond length − MD mean length| over samples and bonds (design §7.6), nm.</summary>
public sealed class BondErrorMedian() : Metric(MetricGroup.Samples, 40, key: "sample_counts.bond_error_median_nm", csvName: "bond_error_median",
    name: "median bond error, samples (nm)", unit: "nm", direction: MetricDirection.LowerIsBetter)
{
    public override double? Compute(MetricInputs inputs) =>
        BondLengthErrors.Median(inputs.System.Topology, inputs.SampleFrames, inputs.BondReference) is var v && double.IsFinite(v) ? v : null;
    public override double? Read(RunReport report) => report.SampleCounts.BondErrorMedian;
    public override RunReport Store(RunReport report, double? value) =>
        report with { SampleCounts = report.SampleCounts with { BondErrorMedian = value } };
}
