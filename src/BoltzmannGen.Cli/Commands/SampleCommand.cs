using System.ComponentModel;
using BoltzmannGen.Sampling;
using Spectre.Console.Cli;
using Spectre.Console;

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

        [CommandOption("--defensive <FRACTION>")]
        [Description("Draw this fraction of the samples through the flow from a wider prior N(0, τ²I) and give every sample its exact mixture density (a defensive mixture: bounds the importance weights' tail). 0 = the flow alone.")]
        [DefaultValue(0.0)]
        public double Defensive { get; init; }

        [CommandOption("--defensive-scale <TAU>")]
        [Description("The wider prior's standard deviation τ (≥ 1) for --defensive.")]
        [DefaultValue(1.5)]
        public double DefensiveScale { get; init; } = 1.5;

        [CommandOption("--mix-with <DIR>")]
        [Description("Another trained model folder of the same system (repeatable): draw from --model and these as one proposal, each draw's flow chosen at random, and give every sample the mixture's exact density (1/K)·Σ q_k. Where one flow lacks mass another can cover it; each draw costs a density pass in every other flow.")]
        public string[] MixWith { get; init; } = [];

        public override ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Out) ? ValidationResult.Error("--out is required.")
            : Count < 1 ? ValidationResult.Error("--n must be at least 1.")
            : DefensiveMixture.Problem(Defensive, DefensiveScale) is { } problem ? ValidationResult.Error(problem)
            : base.Validate();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        OutputPath.CheckWritable(settings.Out, "--out");
        var request = new FlowSampleRequest(settings.Model, settings.Out, OutputPath.CommandLine(context), settings.Count, settings.Batch,
                                            settings.Seed, settings.Device,
                                            settings.Defensive > 0 ? new DefensiveMixture(settings.Defensive, settings.DefensiveScale) : null,
                                            settings.MixWith);
        var result = FlowSampling.Run(request, SampleProgress.Show, cancellationToken);
        var (info, seconds) = (result.Info, result.Seconds);
        AnsiConsole.MarkupLine($"{settings.Count} samples of {info.System} with log q in {seconds:F1} s ({settings.Count / seconds:N0}/s) → {Markup.Escape(settings.Out)}");
        if (result.Validity is { } v)
            AnsiConsole.MarkupLine($"bonds within {v.BondTolerance} nm of the reference: {v.BondsOkPercent:F1} %; all CA L: {v.AllLPercent:F1} %");
        return 0;
    }
}
