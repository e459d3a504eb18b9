using BoltzmannGen.Analysis;
using BoltzmannGen.Reporting;
using BoltzmannGen.Reporting.Metrics;
using BoltzmannGen.Sampling;
using BoltzmannGen.Tests.Support;

namespace BoltzmannGen.Tests.Reporting.Metrics;

public class ParetoShapeTests
{
    [Fact]
    public void It_reads_the_tail_of_the_weights_as_written_whatever_clip_top_the_estimates_use()
    {
        // Clipping flattens exactly the tail this diagnoses, so --clip-top must not change it.
        using var dir = new TempDir();
        var metric = MetricRegistry.Get("pareto_k");
        var random = new Random(2);
        var logW = Enumerable.Range(0, 500).Select(_ => Math.Log(1 + (Math.Pow(1 - random.NextDouble(), -0.9) - 1) / 0.9)).ToArray();
        double expected = ParetoTail.Shape(logW)!.Value;
        Assert.Equal(expected, metric.Compute(WeightMetricInputs.Create(dir, logW, clipTop: 0))!.Value, 12);
        Assert.Equal(expected, metric.Compute(WeightMetricInputs.Create(dir, logW, clipTop: 0.2))!.Value, 12);
        Assert.NotEqual(expected, ParetoTail.Shape(new ImportanceWeights(logW).ClipTop(0.2).LogWeights));

        Assert.Equal(MetricDirection.LowerIsBetter, metric.Direction);
        Assert.Equal("0.83", metric.Format(0.8312));
        Assert.Equal("n/a", metric.Format(null));
        var report = metric.Store(ReportWriterTests.Sample(), 0.8312);
        Assert.Equal(0.8312, metric.Read(RunReport.FromJson(report.ToJson())));
        Assert.Contains("| Pareto k̂ of the weights' tail (> 0.7: unclipped ESS unreliable) | 0.83 | shape |", ReportWriter.BuildDocument(report).ToMarkdown());
    }
}
