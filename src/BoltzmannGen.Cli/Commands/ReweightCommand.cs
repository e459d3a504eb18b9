using System.ComponentModel;
using BoltzmannGen.Sampling;
using Spectre.Console;
using Spectre.Console.Cli;

namespace BoltzmannGen.Cli.Commands;

/// <summary>`bgen reweight`: energies, validity and importance weights of generated samples, added to samples.npz.</summary>
public sealed class ReweightCommand : Command<ReweightCommand.Settings>
{
    public sealed class Settings : SystemSettings
    {
        [CommandOption("--samples <FILE>")]
        [Description("samples.npz with positions and log_q (from `bgen sample` or `bgen teacher sample`); updated in place.")]
        public string Samples { get; init; } = "";

        [CommandOption("--clip-top <FRACTION>")]
        [Description("Also store log_w_clipped: the largest FRACTION of log-weights capped (e.g. 0.002). Lowers variance, adds bias.")]
        public double? ClipTop { get; init; }

        [CommandOption("--resample <N>")]
        [Description("Also store resampled_index: N indices drawn in proportion to the weights (multinomial).")]
        public int? Resample { get; init; }

        [CommandOption("--seed <N>")]
        [Description("Seed of the resampling.")]
        [DefaultValue(1)]
        public int Seed { get; init; } = 1;

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Samples)) return ValidationResult.Error("--samples is required.");
            if (ClipTop is < 0 or >= 1) return ValidationResult.Error("--clip-top must be in [0, 1), e.g. 0.002.");
            if (Resample is < 1) return ValidationResult.Error("--resample must be at least 1.");
            return base.Validate();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var request = new SampleReweightRequest(settings.LoadSystem(), settings.Samples, settings.ToOptions(), OutputPath.CommandLine(context),
                                                settings.ClipTop, settings.Resample, settings.Seed);
        var summary = SampleReweighting.Run(request, (title, total, work) =>
            AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask(title, maxValue: total);
                    work(new SynchronousProgress<int>(done => task.Value = done));
                }), cancellationToken);

        var (result, seconds, count) = (summary.Reweight, summary.Seconds, summary.Count);
        var table = new Table().AddColumns("", "value");
        table.AddRow("samples", $"{count:N0}");
        table.AddRow("mirror images reflected", $"{result.ReflectedCount:N0}");
        table.AddRow("invalid (bonds/chirality)", $"{result.InvalidCount:N0}");
        table.AddRow("non-finite energy", $"{result.NonFiniteEnergyCount:N0}");
        table.AddRow("non-finite log q (invalid)", $"{result.NonFiniteLogQCount:N0}");
        table.AddRow("ESS", $"{result.Weights.EffectiveSampleSize:F1}");
        table.AddRow("ESS fraction", $"{result.Weights.EffectiveSampleFraction:P3}");
        if (summary.Clipped is { } clipped)
            table.AddRow($"ESS fraction, top {settings.ClipTop:P2} clipped (biased)", $"{clipped.EffectiveSampleFraction:P3}");
        table.AddRow("time", $"{seconds:F1} s ({count / Math.Max(seconds, 1e-9):N0} samples/s)");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"energy, log_w, valid, reflected → {Markup.Escape(settings.Samples)}");
        return 0;
    }
}
