using BoltzmannGen.Data;
using BoltzmannGen.Datasets;
using BoltzmannGen.Reporting;
using BoltzmannGen.Reporting.Metrics;
using BoltzmannGen.Sampling;
using BoltzmannGen.Tests.Support;

namespace BoltzmannGen.Tests.Reporting.Metrics;

/// <summary>Report inputs for the weight metrics: the first n frames of the shipped aldp test split with given log-weights.</summary>
internal static class WeightMetricInputs
{
    private static string ShippedAldp => Path.Combine(EnergyFixtures.Catalog.ForceFieldsDirectory, "..", "data", "aldp");

    public static MetricInputs Create(TempDir dir, double[] logW, double clipTop = 0)
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
}
