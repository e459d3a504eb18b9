using System.Text.Json;
using System.Text.RegularExpressions;
using BoltzmannGen.Reporting;
using BoltzmannGen.Tests.Support;
using static BoltzmannGen.Tests.Reporting.ReportFixtures;

namespace BoltzmannGen.Tests.Reporting;

public class ReportWriterTests
{
    internal static RunReport Sample(string label = "fort-reflow", bool clipped = true, params PlotFile[] plots) => new()
    {
        System = "al4",
        Label = label,
        NSamples = 100_000,
        Ess = 1234.5,
        EssFraction = 0.012345,
        EW1 = 0.52,
        EW2 = 0.81,
        EW1Unweighted = 3.4,
        EW2Unweighted = double.PositiveInfinity,
        TW2 = 0.95,
        TW2Unweighted = null,
        Nll = -123.456789012345,
        NllPerDof = -0.99,
        CiLevel = 0.95,
        Residues = ["ALA 2", "ALA 3", "ALA 4"],
        DeltaF = [3.1, double.PositiveInfinity, null],
        DeltaFCi = [[2.9, 3.3], null, [double.NegativeInfinity, double.NaN]],
        DeltaFMd = [3.0, 4.2, 3.9],
        DeltaFMdCi = [[2.8, 3.2], [4.0, 4.4], [3.7, 4.1]],
        BasinPopulations =
        [
            new BasinPopulation { Residue = "ALA 2", Basin = "φ<0", Flow = 0.957, FlowCi = [0.95, 0.965], Md = 0.953, MdCi = [0.95, 0.956] },
            new BasinPopulation { Residue = "ALA 2", Basin = "φ>0", Flow = 0.043, Md = 0.047 },
        ],
        Clipping = clipped ? new ClippingInfo { ClipFraction = 0.002, Bias = "The top 0.2 % of log-weights were clipped; estimates are biased towards the flow." } : null,
        SampleCounts = new SampleCounts { Invalid = 12, NonFiniteEnergy = 3, Reflected = 4567 },
        Timings = new Dictionary<string, double> { ["teacher"] = 1800.5, ["train"] = 3600.25, ["sample"] = 12.5 },
        Efficiency = new Efficiency { SamplesPerSecond = 8000, EffectiveSamplesPerSecond = 98.7, MdEffectiveSamplesPerSecond = 12.3 },
        Notes = ["a note with <html> & \"quotes\" | pipes"],
        Plots = plots,
    };

    private static PlotFile[] MakePlots(TempDir dir)
    {
        Plots.WriteRamachandran(dir.File("rama_ala2.png"), "ALA 2",
            [new RamachandranPanel("MD", Basins(30)), new RamachandranPanel("flow (reweighted)", Basins(30, shift: 10))]);
        Plots.WriteLogWeightHistogram(dir.File("log weights.png"), ReportFixtures.Normal(3, 2000, 0, 2), 0.3);
        return [new PlotFile("rama_ala2.png", "Ramachandran free energy of ALA 2"), new PlotFile("log weights.png", "Log importance weights")];
    }

    [Fact]
    public void Report_json_round_trips_including_infinities_nan_and_nulls()
    {
        using var dir = new TempDir();
        var report = Sample();
        string path = dir.File("report.json");
        report.Write(path);
        var back = RunReport.Read(path);
        Assert.Equal(report.ToJson(), back.ToJson());
        Assert.Equal(double.PositiveInfinity, back.EW2Unweighted);
        Assert.Null(back.TW2Unweighted);
        Assert.Equal(double.PositiveInfinity, back.DeltaF[1]);
        Assert.Null(back.DeltaF[2]);
        Assert.Null(back.DeltaFCi[1]);
        Assert.Equal(double.NegativeInfinity, back.DeltaFCi[2]![0]);
        Assert.True(double.IsNaN(back.DeltaFCi[2]![1]));
        Assert.Equal(-123.456789012345, back.Nll);
        Assert.Equal(report.Timings, back.Timings);
        Assert.Equal(report.Notes, back.Notes);
        Assert.Equal(report.BasinPopulations[0].FlowCi, back.BasinPopulations[0].FlowCi);
        Assert.Equal(report.Clipping, back.Clipping);
        Assert.Equal(report.SampleCounts, back.SampleCounts);
        Assert.Equal(report.Efficiency, back.Efficiency);
        // A folder path reads its report.json; no clipping reads back as null.
        var unclipped = Sample(clipped: false);
        unclipped.Write(path);
        Assert.Null(RunReport.Read(dir.Path).Clipping);
        Assert.Equal(["report.json"], dir.Files());
    }

    [Fact]
    public void Report_json_is_valid_json_with_every_required_key_and_string_infinities()
    {
        string json = Sample().ToJson();
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        foreach (var key in RunReport.RequiredKeys)
            Assert.True(root.TryGetProperty(key, out _), $"report.json lacks {key}");
        foreach (var key in new[] { "label", "e_w1_unweighted", "e_w2_unweighted", "nll_per_dof", "delta_f_md_ci", "basin_populations", "clipping",
                                    "sample_counts", "efficiency", "notes", "plots" })
            Assert.True(root.TryGetProperty(key, out _), $"report.json lacks {key}");
        Assert.Equal("inf", root.GetProperty("delta_f")[1].GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("delta_f")[2].ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("t_w2_unweighted").ValueKind);
        Assert.Equal(2, root.GetProperty("delta_f_ci")[0].GetArrayLength());
        Assert.Equal(3, root.GetProperty("delta_f").GetArrayLength());
        Assert.Equal(3, root.GetProperty("delta_f_md").GetArrayLength());
        Assert.Equal(3600.25, root.GetProperty("timings").GetProperty("train").GetDouble());
        Assert.DoesNotContain("Infinity", json);
        Assert.DoesNotContain("NaN", json);
    }

    [Fact]
    public void Plots_are_written_with_snake_case_keys_and_schema_1_reports_with_File_and_Caption_still_read()
    {
        var report = Sample(plots: new PlotFile("energy.png", "Reduced energies"));
        using var doc = JsonDocument.Parse(report.ToJson());
        var plot = doc.RootElement.GetProperty("plots")[0];
        Assert.Equal(["file", "caption"], plot.EnumerateObject().Select(p => p.Name));
        Assert.Equal(2, doc.RootElement.GetProperty("schema_version").GetInt32());
        // Every key of report.json, nested ones included, is snake_case.
        foreach (var key in Keys(doc.RootElement).Where(k => k != "timings"))
            Assert.Matches("^[a-z0-9_]+$", key);

        string old = report.ToJson().Replace("\"schema_version\": 2", "\"schema_version\": 1")
            .Replace("\"file\":", "\"File\":").Replace("\"caption\":", "\"Caption\":");
        Assert.Contains("\"Caption\": \"Reduced energies\"", old);
        var back = RunReport.FromJson(old);
        Assert.Equal(new PlotFile("energy.png", "Reduced energies"), Assert.Single(back.Plots));
        Assert.Equal(1, back.SchemaVersion);
        Assert.Null(back.ExtraValues);

        static IEnumerable<string> Keys(JsonElement e) => e.ValueKind switch
        {
            JsonValueKind.Object => e.EnumerateObject().SelectMany(p => p.Value.ValueKind == JsonValueKind.Object && p.Name == "timings"
                ? [p.Name] : Keys(p.Value).Prepend(p.Name)),
            JsonValueKind.Array => e.EnumerateArray().SelectMany(Keys),
            _ => [],
        };
    }

    [Fact]
    public void Report_read_names_the_file_when_json_is_malformed()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("report.json"), "{ \"system\": ");
        var e = Assert.Throws<InvalidDataException>(() => RunReport.Read(dir.File("report.json")));
        Assert.Contains("report.json", e.Message);
    }

    [Fact]
    public void Write_all_produces_metrics_markdown_and_self_contained_html_atomically()
    {
        using var dir = new TempDir();
        var plots = MakePlots(dir);
        var report = Sample(plots: plots);
        ReportWriter.WriteAll(dir.Path, report);

        Assert.Equal(["log weights.png", "metrics.csv", "rama_ala2.png", "report.html", "report.json", "report.md"], dir.Files());

        // metrics.csv: header and one row per metric.
        var rows = ParseCsv(File.ReadAllText(dir.File("metrics.csv")));
        Assert.Equal(ReportWriter.MetricsHeader, rows[0]);
        var metrics = report.Metrics();
        Assert.Equal(metrics.Count + 1, rows.Count);
        Assert.All(rows, r => Assert.Equal(5, r.Length));
        Assert.Equal(metrics.Select(m => m.Metric), rows.Skip(1).Select(r => r[0]));
        Assert.Equal(["e_w2_unweighted", "inf", "", "", "k_BT"], rows.Single(r => r[0] == "e_w2_unweighted"));
        Assert.Equal(["delta_f[ALA 2]", "3.1", "2.9", "3.3", "k_BT"], rows.Single(r => r[0] == "delta_f[ALA 2]"));
        Assert.Contains(rows, r => r[0] == "population[ALA 2, φ>0]");
        Assert.Contains(rows, r => r[0] == "time[train]" && r[1] == "3600.25" && r[4] == "s");

        // report.md: key numbers, plots linked by relative path, the reading note.
        string md = File.ReadAllText(dir.File("report.md"));
        Assert.Contains("](rama_ala2.png)", md);
        Assert.Contains("](log%20weights.png)", md);
        Assert.Contains("1.23 %", md);
        Assert.Contains("How to read this", md);
        Assert.Contains("ALA 3", md);
        Assert.Contains("clipped", md);

        // report.html: no external references; every listed PNG embedded as a data URI.
        string html = File.ReadAllText(dir.File("report.html"));
        Assert.DoesNotContain("http", html, StringComparison.OrdinalIgnoreCase);
        foreach (Match m in Regex.Matches(html, "(src|href)\\s*=\\s*\"([^\"]*)\"", RegexOptions.IgnoreCase))
            Assert.StartsWith("data:image/png;base64,", m.Groups[2].Value);
        Assert.DoesNotContain("<link", html);
        Assert.DoesNotContain("<script", html);
        foreach (var p in plots)
            Assert.Contains("data:image/png;base64," + Convert.ToBase64String(File.ReadAllBytes(dir.File(p.File))), html);
        Assert.Equal(plots.Length, Regex.Matches(html, "<img ").Count);
        Assert.Contains("&lt;html&gt; &amp; &quot;quotes&quot;", html);
        Assert.Contains("How to read this", html);
        foreach (var f in dir.Files().Where(f => f.EndsWith(".png"))) Keep(dir.File(f));
        Keep(dir.File("report.html"));
        Keep(dir.File("report.md"));
    }

    [Fact]
    public void Html_states_a_missing_plot_instead_of_linking_it()
    {
        using var dir = new TempDir();
        ReportWriter.WriteAll(dir.Path, Sample(plots: new PlotFile("gone.png", "not there")));
        string html = File.ReadAllText(dir.File("report.html"));
        Assert.Contains("plot file missing: gone.png", html);
        Assert.DoesNotContain("src=", html);
    }

    [Fact]
    public void Comparison_of_two_reports_writes_one_row_per_run_with_both_labels()
    {
        using var dir = new TempDir();
        var a = Sample("fort-reflow");
        var b = Sample("mle-baseline", clipped: false) with { EssFraction = 0.0004, EW1 = 13.8, DeltaF = [2.0, 4.0, 3.0], Timings = new Dictionary<string, double> { ["train"] = 100 } };
        Comparison.Write(dir.Path, [a, b]);
        Assert.Equal(["comparison.csv", "comparison.html", "comparison.md", "comparison.png"], dir.Files());

        var rows = ParseCsv(File.ReadAllText(dir.File("comparison.csv")));
        Assert.Equal(3, rows.Count);
        Assert.Equal(["label", "system", "ess_fraction", "e_w1", "e_w2", "t_w2", "nll",
                      "delta_f_error[ALA 2]", "delta_f_error[ALA 3]", "delta_f_error[ALA 4]", "training_time_s", "samples_per_s"], rows[0]);
        Assert.Equal("fort-reflow", rows[1][0]);
        Assert.Equal("mle-baseline", rows[2][0]);
        Assert.Equal("inf", rows[1][8]);                 // ΔF = inf vs MD 4.2
        Assert.Equal("", rows[1][9]);                    // ΔF not computed
        Assert.Equal(1.0, double.Parse(rows[2][7], System.Globalization.CultureInfo.InvariantCulture), 12);
        Assert.Equal("5400.75", rows[1][10]);            // teacher + train
        Assert.Equal("100", rows[2][10]);

        string md = File.ReadAllText(dir.File("comparison.md"));
        Assert.Contains("| fort-reflow |", md);
        Assert.Contains("| mle-baseline |", md);
        Assert.Contains("](comparison.png)", md);
        string html = File.ReadAllText(dir.File("comparison.html"));
        Assert.Contains("fort-reflow", html);
        Assert.Contains("mle-baseline", html);
        Assert.Contains("data:image/png;base64,", html);
        Assert.DoesNotContain("http", html, StringComparison.OrdinalIgnoreCase);
        AssertNonTrivialPng(dir.File("comparison.png"), 1400, 600);
        Keep(dir.File("comparison.png"));
        Keep(dir.File("comparison.md"));
    }

    /// <summary>Minimal RFC 4180 parser (quoted fields, doubled quotes) for checking what CsvHelper wrote.</summary>
    internal static List<string[]> ParseCsv(string text)
    {
        var rows = new List<string[]>();
        var row = new List<string>();
        var field = new System.Text.StringBuilder();
        bool quoted = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { row.Add(field.ToString()); field.Clear(); }
            else if (c == '\r') { }
            else if (c == '\n') { row.Add(field.ToString()); field.Clear(); rows.Add([.. row]); row.Clear(); }
            else field.Append(c);
        }
        if (field.Length > 0 || row.Count > 0) { row.Add(field.ToString()); rows.Add([.. row]); }
        return rows;
    }
}
