using BoltzmannGen.Data;
using BoltzmannGen.Datasets;
using BoltzmannGen.Reporting;
using BoltzmannGen.Reporting.Metrics;
using BoltzmannGen.Sampling;
using BoltzmannGen.Tests.Support;

namespace BoltzmannGen.Tests.Reporting.Metrics;

public class MaxWeightFractionTests
{
    private static string ShippedAldp => Path.Combine(EnergyFixtures.Catalog.ForceFieldsDirectory, "..", "data", "aldp");

    private static MetricInputs Inputs(TempDir dir, double[] logW, double clipTop = 0)
    {
        var system = EnergyFixtures.System("aldp");
        var reference = ReferenceDataset.Load(ShippedAldp, system);
        int n = logW.Length;
        var test = reference.Split("test");
        string path = dir.File($"samples{clipTop}.npz");
        Npz.Write(path, ("positions", new NpyArray(Array.ConvertAll(test.Positions[..(n * 66)], v => (float)v), n, 22, 3)),
                        ("log_q", new NpyArray(new double[n], n)), ("energy", new NpyArray(reference.SplitEnergies("test")[..n], n)),
                        ("log_w", new NpyArray(logW, n)), ("valid", new NpyArray(Enumerable.Repeat(true, n).ToArray(), n)));
        return new MetricInputs(system, reference, new ReportOptions { ClipTop = clipTop }, SampleFile.Read(path, 22), null, []);
    }

    [Fact]
    public void It_is_the_heaviest_samples_share_of_the_total_weight_after_clipping()
    {
        using var dir = new TempDir();
        var metric = MetricRegistry.Get("max_weight_fraction");
        // Weights 1, 2, 5 and 2 (log 0, ln 2, ln 5, ln 2) and a zero weight: the heaviest carries 5/10.
        var logW = new[] { 0, Math.Log(2), Math.Log(5), Math.Log(2), double.NegativeInfinity };
        Assert.Equal(0.5, metric.Compute(Inputs(dir, logW))!.Value, 12);
        // Clipping the top 20 % (one of five) caps 5 at the next largest, 2: 2 / 7.
        Assert.Equal(2.0 / 7, metric.Compute(Inputs(dir, logW, clipTop: 0.2))!.Value, 12);
        // No weight at all: not computed.
        Assert.Null(metric.Compute(Inputs(dir, Enumerable.Repeat(double.NegativeInfinity, 3).ToArray())));

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
