using BoltzmannGen.Analysis;

namespace BoltzmannGen.Reporting.Metrics;

/// <summary>The bond error of the MD test frames themselves (design §7.6): the thermal spread a sampler should match, nm.</summary>
public sealed class MdBondErrorMedian() : Metric(MetricGroup.Samples, 50, key: "sample_counts.md_bond_error_median_nm",
    csvName: "md_bond_error_median", name: "median bond error, MD test frames (nm; thermal)", unit: "nm")
{
    public override double? Compute(MetricInputs inputs) =>
        BondLengthErrors.Median(inputs.System.Topology, inputs.TestFrames, inputs.BondReference) is var v && double.IsFinite(v) ? v : null;
    public override double? Read(RunReport report) => report.SampleCounts.MdBondErrorMedian;
    public override RunReport Store(RunReport report, double? value) =>
        report with { SampleCounts = report.SampleCounts with { MdBondErrorMedian = value } };
}
