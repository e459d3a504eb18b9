using System.Globalization;
using BoltzmannGen.Data;
using BoltzmannGen.Datasets;
using BoltzmannGen.Reporting;
using BoltzmannGen.Systems;
using Spectre.Console;

namespace BoltzmannGen.Cli.Commands;

/// <summary>Tables that describe a reference dataset: sizes, autocorrelation, effective samples, φ &gt; 0 basins.</summary>
internal static class DatasetSummary
{
    public static void Print(ReferenceDataset dataset)
    {
        var m = dataset.Meta;
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(dataset.Directory)}[/]: {m.System}, {m.LengthNsPerReplica:F1} ns × {m.Replicas} replica(s) at {m.TemperatureK} K, " +
                               $"saved every {m.SaveIntervalPs} ps, {m.WallSeconds / 60:F1} min wall");
        if (m.SwapAcceptance is { } acceptance)
            AnsiConsole.MarkupLine($"replica exchange {string.Join(",", m.TemperaturesK)} K, acceptance per pair: " +
                                   string.Join("; ", acceptance.Select(l => string.Join(" ", l.Select(a => a.ToString("P0", CultureInfo.InvariantCulture))))));
        var splits = new Table().AddColumns("split", "frames", "effective samples");
        foreach (var name in ReferenceDataset.SplitNames)
            splits.AddRow(name, m.Frames.GetValueOrDefault(name).ToString(CultureInfo.InvariantCulture),
                m.EffectiveSamples.GetValueOrDefault(name).ToString("F1", CultureInfo.InvariantCulture));
        AnsiConsole.Write(splits);
        Print(m.AutocorrelationTimeFrames, m.SaveIntervalPs, m.PhiPositivePopulation);
        PrintPooled(m);
    }

    /// <summary>The φ &gt; 0 populations over this run and the independent runs pooled with `bgen pool`, if any.</summary>
    public static void PrintPooled(DatasetMeta m)
    {
        if (m.ExtraRuns is not { Count: > 0 } runs || m.PooledPhiPositivePopulation is not { Count: > 0 } pooled) return;
        AnsiConsole.MarkupLine($"pooled with {runs.Count} independent run(s) for MD free energies (seeds {string.Join(", ", runs.Select(r => r.Seed))}, " +
                               $"{runs.Sum(r => r.Frames):N0} extra frames):");
        var between = DatasetPool.BetweenSeedStandardErrors(m);
        var basins = new Table().AddColumns("φ > 0 basin, all runs", "population", "block s.e.", "between-seed s.e.", "relative error (larger)");
        foreach (var (name, p) in pooled)
        {
            double? b = between.TryGetValue(name, out var e) ? e : null;
            basins.AddRow(name, p.Mean.ToString("F4", CultureInfo.InvariantCulture), p.StandardError.ToString("F4", CultureInfo.InvariantCulture),
                b?.ToString("F4", CultureInfo.InvariantCulture) ?? "—",
                DatasetPool.ReportedRelativeError(p, b) is { } r ? r.ToString("P1", CultureInfo.InvariantCulture) : "—");
        }
        AnsiConsole.Write(basins);
    }

    /// <summary>MD's ΔF per residue with the interval every report of this reference will show (pooled runs included).</summary>
    public static void PrintFreeEnergies(ReferenceDataset dataset, Topology topology)
    {
        var options = new ReportOptions();
        var estimates = RunReportBuilder.MdFreeEnergies(dataset, topology, options);
        if (estimates.Count == 0) return;
        var ci = CultureInfo.InvariantCulture;
        AnsiConsole.MarkupLine(string.Create(ci, $"MD free energies as reports give them ({estimates[0].Samples:N0} frames; moving-block bootstrap, " +
                               $"blocks of {RunReportBuilder.MdBlockLength(dataset.Meta)} frames, {options.Bootstrap} replicates, {options.Confidence:P0}):"));
        string F(double v) => double.IsPositiveInfinity(v) ? "+∞" : double.IsNegativeInfinity(v) ? "−∞" : v.ToString("F2", ci);
        var table = new Table().AddColumns("residue", "P(φ>0)", "interval", "ΔF_MD (k_BT)", "interval");
        foreach (var e in estimates)
            table.AddRow(e.Name, e.PositiveFraction.ToString("F4", ci), Markup.Escape(string.Create(ci, $"[{e.PositiveFractionLower:F4}, {e.PositiveFractionUpper:F4}]")),
                F(e.DeltaF), Markup.Escape($"[{F(e.Lower)}, {F(e.Upper)}]"));
        AnsiConsole.Write(table);
    }

    public static void Print(IReadOnlyDictionary<string, double> tau, double saveIntervalPs,
                             IReadOnlyDictionary<string, PopulationEstimate> populations)
    {
        var table = new Table().AddColumns("observable", "τ_int (frames)", "τ_int (ps)");
        foreach (var (name, t) in tau)
            table.AddRow(name, t.ToString("F2", CultureInfo.InvariantCulture), (t * saveIntervalPs).ToString("F1", CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
        if (populations.Count == 0) return;
        var basins = new Table().AddColumns("φ > 0 basin", "population", "standard error", "relative error", "blocks");
        foreach (var (name, p) in populations)
            basins.AddRow(name, p.Mean.ToString("F4", CultureInfo.InvariantCulture), p.StandardError.ToString("F4", CultureInfo.InvariantCulture),
                p.RelativeError is { } r ? r.ToString("P0", CultureInfo.InvariantCulture) : "—", p.Blocks.ToString(CultureInfo.InvariantCulture));
        AnsiConsole.Write(basins);
    }
}
