using System.ComponentModel;
using System.Globalization;
using BoltzmannGen.Analysis;
using BoltzmannGen.Data;
using BoltzmannGen.Datasets;
using Spectre.Console.Cli;
using Spectre.Console;

namespace BoltzmannGen.Cli.Commands;

/// <summary>`bgen pool --into DATASET RUN…`: adds independent runs of the same MD protocol to a dataset's free-energy reference.</summary>
public sealed class PoolCommand : Command<PoolCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--into <DATASET>")]
        [Description("Dataset folder that receives the runs (e.g. data/aldp); its train/val/test splits stay as they are.")]
        public string Into { get; init; } = "";

        [CommandArgument(0, "<RUNS>")]
        [Description("Dataset folders of independent runs (other seeds) written by `bgen simulate` with the same protocol.")]
        public string[] Runs { get; init; } = [];

        public override ValidationResult Validate() =>
            Into.Length == 0 ? ValidationResult.Error("--into: name the dataset that receives the runs (e.g. --into data/aldp).") : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        // The dataset's writer lock (beside it: pooling replaces the folder as a whole), so that two pools, or a pool and
        // a simulate, cannot both read the old dataset and each replace it with their own additions.
        using (Directory.Exists(settings.Into) ? OutputPath.Lock(settings.Into, context) : null)
            Pool(settings);
        return 0;
    }

    private static void Pool(Settings settings)
    {
        var dataset = DatasetPool.Add(settings.Into, settings.Runs);
        var m = dataset.Meta;
        int frames = dataset.Pooled().Count;
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(settings.Into)}[/]: MD free energies now pool {1 + m.ExtraRuns!.Count} independent runs " +
                               $"({frames:N0} frames); training and test splits unchanged.");
        var table = new Table().AddColumns("run", "seed", "ns", "frames", "angle", "P(φ>0)", "s.e.", "ΔF k_BT");
        void Rows(string run, int seed, double ns, int frames, IReadOnlyDictionary<string, PopulationEstimate> populations)
        {
            foreach (var (name, p) in populations)
                table.AddRow(Markup.Escape(run), I(seed), ns.ToString("0.##", CultureInfo.InvariantCulture), I(frames), name,
                    p.Mean.ToString("F4", CultureInfo.InvariantCulture), p.StandardError.ToString("F4", CultureInfo.InvariantCulture), DeltaF(p.Mean));
        }
        Rows("own", m.Seed, m.LengthNsPerReplica, m.Frames.Values.Sum(), m.PhiPositivePopulation);
        foreach (var run in m.ExtraRuns) Rows("pooled", run.Seed, run.LengthNsPerReplica, run.Frames, run.PhiPositivePopulation);
        foreach (var (name, p) in m.PooledPhiPositivePopulation ?? new Dictionary<string, PopulationEstimate>())
            table.AddRow("[bold]all[/]", "", "", I(frames), name, p.Mean.ToString("F4", CultureInfo.InvariantCulture),
                p.StandardError.ToString("F4", CultureInfo.InvariantCulture), DeltaF(p.Mean));
        AnsiConsole.Write(table);
        DatasetSummary.PrintPooled(m); // block and between-seed errors: the larger judges the reference
        DatasetSummary.PrintFreeEnergies(dataset, Pdb.Read(Path.Combine(settings.Into, "topology.pdb")).Topology);
    }

    private static string I(int v) => v.ToString("N0", CultureInfo.InvariantCulture);

    private static string DeltaF(double p) => p > 0 && p < 1 ? FreeEnergyDifference.FromPopulation(p).ToString("F2", CultureInfo.InvariantCulture) : "—";
}
