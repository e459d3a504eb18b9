using System.ComponentModel;
using BoltzmannGen.Data;
using BoltzmannGen.Flows;
using BoltzmannGen.Optimisation;
using Spectre.Console.Cli;
using Spectre.Console;
using static TorchSharp.torch;

namespace BoltzmannGen.Cli.Commands;

/// <summary>`bgen logq`: the exact log-density the flow assigns to given conformations.</summary>
public sealed class LogqCommand : Command<LogqCommand.Settings>
{
    public sealed class Settings : FlowModelSettings
    {
        [CommandOption("-i|--input <FILE>")]
        [Description("Conformations: .npy (frames, atoms, 3) nm, .pdb or .dcd.")]
        public string Input { get; init; } = "";

        [CommandOption("-o|--out <FILE>")]
        [Description("logq.npy: (frames) float64, log density of the centred coordinates (3N−3 dimensions, nm).")]
        public string Out { get; init; } = "";

        public override ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Input) ? ValidationResult.Error("--input is required.")
            : string.IsNullOrWhiteSpace(Out) ? ValidationResult.Error("--out is required.") : base.Validate();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        OutputPath.CheckWritable(settings.Out, "--out");
        var device = TorchDevices.Resolve(settings.Device);
        var (model, info) = ModelDirectory.Load(settings.Model, device);
        var frames = FrameFile.Read(settings.Input, info.Atoms);
        if (frames.FirstNonFinite() is { } bad)
            throw new InputException($"{settings.Input}: frame {bad.Frame} has a non-finite coordinate.");
        using var writer = OutputPath.Lock(settings.Out, context);
        var logQ = model.LogQ(frames.Positions, settings.Batch);
        int per = 3 * info.Atoms;
        Npy.Write(settings.Out, logQ, frames.Count);
        var finite = logQ.Where(double.IsFinite).ToArray();
        AnsiConsole.MarkupLine($"log q of {frames.Count} frames → {Markup.Escape(settings.Out)}" +
                               (finite.Length > 0 ? $" (mean {finite.Average():F2}, per degree of freedom {finite.Average() / (per - 3):F3})" : ""));
        return 0;
    }
}
