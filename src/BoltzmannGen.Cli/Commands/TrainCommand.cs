using System.ComponentModel;
using System.Globalization;
using BoltzmannGen.Flows;
using BoltzmannGen.Training;
using Spectre.Console.Cli;
using Spectre.Console;

namespace BoltzmannGen.Cli.Commands;

/// <summary>`bgen train`: a normalizing flow by FORT (regression onto targets) or by maximum likelihood (on MD data).</summary>
public sealed class TrainCommand : Command<TrainCommand.Settings>
{
    public sealed class Settings : SystemSettings
    {
        protected override string? PlatformUnused => "train evaluates no energies";
        protected override string? ThreadsUnused => "train evaluates no energies (libtorch's threads follow OMP_NUM_THREADS)";

        [CommandOption("--objective <NAME>")]
        [Description("fort (needs --targets) or mle (needs --data). Overrides the config.")]
        public string? Objective { get; init; }

        [CommandOption("--arch <NAME>")]
        [Description("nsf, resnvp or tarflow. Overrides the config.")]
        public string? Arch { get; init; }

        [CommandOption("--targets <FILE>")]
        [Description("targets.npz from `bgen targets` (FORT).")]
        public string? Targets { get; init; }

        [CommandOption("--data <DIR>")]
        [Description("Reference dataset: training frames for MLE; validation NLL for both objectives.")]
        public string? Data { get; init; }

        [CommandOption("-o|--out <DIR>")]
        [Description("Model folder to write.")]
        public string Out { get; init; } = "";

        [CommandOption("--config <FILE>")]
        [Description("YAML training config (see configs/train-*.yaml); KEY=VALUE arguments override it.")]
        public string? Config { get; init; }

        [CommandOption("--steps <N>")]
        [Description("Training steps (overrides the config's steps).")]
        public int? Steps { get; init; }

        [CommandOption("--device <DEVICE>")]
        [Description("cpu, cuda or auto.")]
        public string? Device { get; init; }

        [CommandOption("--resume")]
        [Description("Continue from the model folder's last checkpoint.")]
        public bool Resume { get; init; }

        [CommandArgument(0, "[KEY=VALUE]")]
        [Description("Config overrides, e.g. learning_rate=1e-3 batch_size=256.")]
        public string[] Overrides { get; init; } = [];

        public override ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Out) ? ValidationResult.Error("--out is required (e.g. runs/aldp-ot/flow).") : base.Validate();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var overrides = settings.Overrides.ToList();
        if (settings.Objective is not null) overrides.Add($"objective={settings.Objective}");
        if (settings.Arch is not null) overrides.Add($"arch={settings.Arch}");
        if (settings.Steps is not null) overrides.Add($"steps={settings.Steps}");
        if (settings.Device is not null) overrides.Add($"device={settings.Device}");
        var config = TrainingConfig.Load(settings.Config, overrides);
        OutputPath.CheckFolder(settings.Out, "--out", "the model");
        FlowTraining.CheckConfig(config);
        var request = new FlowTrainingRequest(settings.LoadSystem(), config, settings.Out, OutputPath.CommandLine(context),
                                              settings.Targets, settings.Data, settings.Resume);
        FlowTrainingResult result = null!;
        int stopped = Interruptible.Run(context, cancellationToken, token =>
            result = FlowTraining.Run(request, (title, _, work) => TrainingProgressDisplay.Run(title, config.Steps, config.LogEvery, work), token));
        if (stopped != 0) return stopped;
        AnsiConsole.MarkupLine($"trained {config.Arch} by {config.Objective} for {config.Steps} steps → {Markup.Escape(settings.Out)} " +
                               $"(log: {Markup.Escape(Path.Combine(settings.Out, ModelDirectory.LogFile))})");
        var saved = result.Saved;
        AnsiConsole.MarkupLine($"weights kept: {Markup.Escape(saved.Weights)}" +
                               (saved.KeptScore is { } score ? $", {score.ToString("0.####", CultureInfo.InvariantCulture)}" : ""));
        return 0;
    }
}
