using BoltzmannGen.Reporting;
using BoltzmannGen.Reporting.Metrics;
using BoltzmannGen.Tests.Support;

namespace BoltzmannGen.Tests.Reporting.Metrics;

public class MaxWeightFractionTests
{
    [Fact]
    public void It_is_the_heaviest_samples_share_of_the_total_weight_after_clipping()
    {
        using var dir = new TempDir();
        var metric = MetricRegistry.Get("max_weight_fraction");
        // Weights 1, 2, 5 and 2 (log 0, ln 2, ln 5, ln 2) and a zero weight: the heaviest carries 5/10.
        var logW = new[] { 0, Math.Log(2), Math.Log(5), Math.Log(2), double.NegativeInfinity };
        Assert.Equal(0.5, metric.Compute(WeightMetricInputs.Create(dir, logW))!.Value, 12);
        // Clipping the top 20 % (one of five) caps 5 at the next largest, 2: 2 / 7.
        Assert.Equal(2.0 / 7, metric.Compute(WeightMetricInputs.Create(dir, logW, clipTop: 0.2))!.Value, 12);
        // No weight at all: not computed.
        Assert.Null(metric.Compute(WeightMetricInputs.Create(dir, Enumerable.Repeat(double.NegativeInfinity, 3).ToArray())));

        Assert.Equal(MetricDirection.LowerIsBetter, metric.Direction);
        Assert.Equal("50 %", metric.Format(0.5));
        Assert.Equal("n/a", metric.Format(null));
        // It has no property of its own: report.json keeps it under its key, and an older report reads as not computed.
        var report = metric.Store(ReportWriterTests.Sample(), 0.5);
        Assert.Equal(0.5, metric.Read(RunReport.FromJson(report.ToJson())));
        Assert.Null(metric.Read(ReportWriterTests.Sample()));
        Assert.Contains("| largest normalised weight | 50 % | of Σw |", ReportWriter.BuildDocument(report).ToMarkdown());
    }
}
