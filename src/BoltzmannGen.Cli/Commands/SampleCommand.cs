using System.ComponentModel;
using BoltzmannGen.Flows;
using BoltzmannGen.Optimisation;
using Spectre.Console.Cli;
using Spectre.Console;
using static TorchSharp.torch;

namespace BoltzmannGen.Cli.Commands;

/// <summary>`bgen sample`: conformations from a trained flow in one pass each, with their exact log q.</summary>
public sealed class SampleCommand : Command<SampleCommand.Settings>
{
    public sealed class Settings : FlowModelSettings
    {
        [CommandOption("-n|--samples <N>")]
        [Description("Number of conformations (also accepted as --n).")]
        [DefaultValue(100000)]
        public int Count { get; init; } = 100000;

        [CommandOption("-o|--out <FILE>")]
        [Description("samples.npz: positions (n, atoms, 3) float32 nm, log_q (n) float64.")]
        public string Out { get; init; } = "";

        [CommandOption("--seed <N>")]
        [Description("Seed of the prior draws: the same model, --n and seed give the same samples.")]
        [DefaultValue(1)]
        public int Seed { get; init; } = 1;

        public override ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Out) ? ValidationResult.Error("--out is required.")
            : Count < 1 ? ValidationResult.Error("--n must be at least 1.") : base.Validate();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        OutputPath.CheckWritable(settings.Out, "--out");
        var device = TorchDevices.Resolve(settings.Device);
        var (model, info) = ModelDirectory.Load(settings.Model, device);
        var system = ModelDirectory.SystemOf(settings.Model, info);
        using var writer = OutputPath.Lock(settings.Out, context);
        using var generator = new Generator((ulong)settings.Seed);
        var (positions, seconds) = SampleBatches.DrawAndWrite(settings.Out, $"sampling {info.System} ({info.Arch})", settings.Count,
            settings.Batch, info.Atoms, n =>
            {
                using var _ = no_grad();
                return model.Sample(n, generator);
            }, cancellation: cancellationToken);
        AnsiConsole.MarkupLine($"{settings.Count} samples of {info.System} with log q in {seconds:F1} s ({settings.Count / seconds:N0}/s) → {Markup.Escape(settings.Out)}");
        if (system is not null) ReportValidity(system, positions, settings.Count, info.Atoms);
        return 0;
    }

    /// <summary>A quick look at quality: how many samples have every bond within 0.02 nm and every CA L.</summary>
    private static void ReportValidity(Systems.PeptideSystem system, float[] positions, int count, int atoms)
    {
        var check = new Sampling.ValidityCheck(system.Topology, system.ReferencePositions);
        int per = 3 * atoms, bonds = 0, chiral = 0;
        var frame = new double[per];
        for (int i = 0; i < count; i++)
        {
            for (int k = 0; k < per; k++) frame[k] = positions[(long)i * per + k];
            if (check.BondsOk(frame)) bonds++;
            if (check.AllL(frame)) chiral++;
        }
        AnsiConsole.MarkupLine($"bonds within {check.BondTolerance} nm of the reference: {100.0 * bonds / count:F1} %; all CA L: {100.0 * chiral / count:F1} %");
    }
}
