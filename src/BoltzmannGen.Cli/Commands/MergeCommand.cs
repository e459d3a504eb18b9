using System.ComponentModel;
using BoltzmannGen.Sampling;
using Spectre.Console;
using Spectre.Console.Cli;

namespace BoltzmannGen.Cli.Commands;

/// <summary>
/// `bgen merge --out samples.npz SHARD…`: sample shards concatenated in the order given into one samples.npz, as if one
/// process had drawn them (<see cref="SampleMerging"/>); --clip-top clips the merged weights.
/// </summary>
public sealed class MergeCommand : Command<MergeCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("-o|--out <FILE>")]
        [Description("The merged samples.npz.")]
        public string Out { get; init; } = "";

        [CommandOption("--clip-top <FRACTION>")]
        [Description("Also store log_w_clipped of the merged weights (as `bgen reweight --clip-top`); the shards must be reweighted.")]
        public double? ClipTop { get; init; }

        [CommandArgument(0, "<SHARDS>")]
        [Description("samples.npz shards of one model, in order.")]
        public string[] Shards { get; init; } = [];

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out is required.");
            if (ClipTop is < 0 or >= 1) return ValidationResult.Error("--clip-top must be in [0, 1), e.g. 0.002.");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        OutputPath.CheckWritable(settings.Out, "--out");
        var result = SampleMerging.Run(new SampleMergeRequest(settings.Shards, settings.Out, OutputPath.CommandLine(context), settings.ClipTop));
        var weights = result.Weights;
        AnsiConsole.MarkupLine($"{result.Shards} shards, {result.Count:N0} samples" +
                               (weights is null ? "" : $", ESS {weights.EffectiveSampleSize:F1} ({weights.EffectiveSampleFraction:P3})") +
                               $" → {Markup.Escape(settings.Out)}");
        return 0;
    }
}
