using System.Text.Json;
using BoltzmannGen.Data;
using BoltzmannGen.Datasets;
using BoltzmannGen.Reporting;
using BoltzmannGen.Reporting.Metrics;
using BoltzmannGen.Sampling;
using BoltzmannGen.Tests.Support;

namespace BoltzmannGen.Tests.Reporting;

public class MetricRegistryTests
{
    private static string ShippedAldp => Path.Combine(EnergyFixtures.Catalog.ForceFieldsDirectory, "..", "data", "aldp");

    /// <summary>The metrics report.json had before the registry, in metrics.csv order: the registry keeps them and their order.</summary>
    private static readonly string[] Original =
    [
        "n_samples", "ess", "ess_fraction", "ess_clipped_fraction", "e_w1", "e_w2", "e_w1_unweighted", "e_w2_unweighted", "t_w2",
        "t_w2_unweighted", "nll", "nll_per_dof", "sample_counts.invalid", "sample_counts.non_finite_energy", "sample_counts.reflected",
        "sample_counts.bond_error_median_nm", "sample_counts.md_bond_error_median_nm", "efficiency.samples_per_s",
        "efficiency.effective_samples_per_s", "efficiency.md_effective_samples_per_s", "efficiency.effective_samples_per_s_with_training",
        "energy_evaluations.training", "energy_evaluations.sampling",
    ];

    [Fact]
    public void The_registry_lists_every_metric_type_once_with_unique_keys_names_and_places()
    {
        var all = MetricRegistry.All;
        var types = typeof(Metric).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(Metric)) && !t.IsAbstract).ToList();
        Assert.Equal(types.Count, all.Count);
        Assert.Equal(types.OrderBy(t => t.FullName), all.Select(m => m.GetType()).OrderBy(t => t.FullName));
        Assert.Equal(all.Count, all.Select(m => m.Key).Distinct().Count());
        Assert.Equal(all.Count, all.Select(m => m.CsvName).Distinct().Count());
        Assert.Equal(all.Count, all.Select(m => (m.Group, m.Order)).Distinct().Count());
        Assert.Equal(all.OrderBy(m => m.Group).ThenBy(m => m.Order), all);
        Assert.Equal(Original, all.Select(m => m.Key).Where(Original.Contains));
        Assert.All(all, m => Assert.False(string.IsNullOrWhiteSpace(m.Name) || string.IsNullOrWhiteSpace(m.Unit), m.Key));
        Assert.Same(all.Single(m => m.Key == "e_w1"), MetricRegistry.Get("e_w1"));
        Assert.Throws<KeyNotFoundException>(() => MetricRegistry.Get("no_such_metric"));
    }

    [Fact]
    public void A_built_report_has_a_json_value_and_a_metrics_row_for_every_registered_metric()
    {
        var system = EnergyFixtures.System("aldp");
        var reference = ReferenceDataset.Load(ShippedAldp, system);
        var test = reference.Split("test");
        int n = test.Count;
        using var dir = new TempDir();
        string path = dir.File("samples.npz");
        Npz.Write(path, ("positions", new NpyArray(Array.ConvertAll(test.Positions, v => (float)v), n, 22, 3)),
                        ("log_q", new NpyArray(new double[n], n)), ("energy", new NpyArray(reference.SplitEnergies("test"), n)),
                        ("log_w", new NpyArray(Enumerable.Range(0, n).Select(i => Math.Sin(0.37 * i)).ToArray(), n)),
                        ("valid", new NpyArray(Enumerable.Repeat(true, n).ToArray(), n)), ("sampling_seconds", new NpyArray(new[] { 2.0 }, 1)));
        var options = new ReportOptions { Bootstrap = 10, TorusPoints = 100, TrainingEnergyEvaluations = 99,
                                          Timings = new Dictionary<string, double> { ["train"] = 10 } };
        var report = new RunReportBuilder(system, reference, options)
            .Build(SampleFile.Read(path, 22), dir.File("report"), Enumerable.Repeat(-30.0, n).ToArray());

        using var json = JsonDocument.Parse(report.ToJson());
        var rows = report.Metrics().ToDictionary(r => r.Metric);
        foreach (var m in MetricRegistry.All)
        {
            var element = json.RootElement;
            foreach (var part in m.Key.Split('.'))
                Assert.True(element.TryGetProperty(part, out element), $"report.json lacks {m.Key}");
            Assert.Equal(JsonValueKind.Number, element.ValueKind);
            Assert.Equal(element.GetDouble(), m.Read(report));
            Assert.Equal(m.Read(report), rows[m.CsvName].Value);
            Assert.Equal(m.Unit, rows[m.CsvName].Unit);
            // What a metric reads back from report.json is what it computed.
            Assert.Equal(m.Read(report), m.Read(RunReport.FromJson(report.ToJson())));
        }
    }

    [Fact]
    public void A_metric_without_a_property_of_its_own_round_trips_through_report_json()
    {
        var report = ReportWriterTests.Sample().WithExtraValue("some_new_metric", 0.25).WithExtraValue("another", double.PositiveInfinity)
            .WithExtraValue("missing", null);
        var back = RunReport.FromJson(report.ToJson());
        Assert.Equal(0.25, back.ExtraValue("some_new_metric"));
        Assert.Equal(double.PositiveInfinity, back.ExtraValue("another"));
        Assert.Null(back.ExtraValue("missing"));
        Assert.Null(back.ExtraValue("never_written"));
        Assert.Contains("\"another\": \"inf\"", report.ToJson());
        Assert.Contains("\"missing\": null", report.ToJson());
        // Setting a value copies: the original report is unchanged.
        Assert.Null(ReportWriterTests.Sample().ExtraValues);
        Assert.Equal(0.25, report.WithExtraValue("another", 1).ExtraValue("some_new_metric"));
        Assert.Equal(double.PositiveInfinity, report.ExtraValue("another"));
    }
}
