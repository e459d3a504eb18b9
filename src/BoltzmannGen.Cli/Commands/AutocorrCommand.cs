using System.ComponentModel;
using System.Globalization;
using BoltzmannGen.Analysis;
using BoltzmannGen.Data;
using BoltzmannGen.Datasets;
using Spectre.Console.Cli;
using Spectre.Console;

namespace BoltzmannGen.Cli.Commands;

/// <summary>`bgen autocorr DIR`: integrated autocorrelation times and effective sample counts of a dataset, recomputed from its frames.</summary>
public sealed class AutocorrCommand : Command<AutocorrCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<DATASET>")]
        [Description("Dataset folder written by `bgen simulate` (e.g. data/aldp).")]
        public string Dataset { get; init; } = "";
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var dataset = ReferenceDataset.Load(settings.Dataset);
        var topology = Pdb.Read(Path.Combine(settings.Dataset, "topology.pdb")).Topology;
        var all = dataset.All();
        var stats = TrajectoryStatistics.Compute(all, topology, dataset.Meta.Replicas);
        AnsiConsole.MarkupLine($"{Markup.Escape(settings.Dataset)}: {all.Count} frames of {dataset.Meta.System}, saved every {dataset.Meta.SaveIntervalPs} ps, {dataset.Meta.Replicas} replica(s)");
        DatasetSummary.Print(stats.AutocorrelationTimeFrames, dataset.Meta.SaveIntervalPs, stats.PhiPositivePopulation);
        var table = new Table().AddColumns("split", "frames", "effective samples (frames / slowest τ)");
        foreach (var name in ReferenceDataset.SplitNames)
        {
            int n = dataset.Meta.Frames.GetValueOrDefault(name);
            table.AddRow(name, n.ToString(CultureInfo.InvariantCulture), stats.EffectiveSamples(n).ToString("F1", CultureInfo.InvariantCulture));
        }
        AnsiConsole.Write(table);
        DatasetSummary.PrintPooled(dataset.Meta);
        DatasetSummary.PrintFreeEnergies(dataset, topology);
        return 0;
    }
}
