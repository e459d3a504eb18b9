using System.ComponentModel;
using System.Globalization;
using BoltzmannGen.Datasets;
using BoltzmannGen.FineTuning;
using BoltzmannGen.Targets;
using Spectre.Console.Cli;
using Spectre.Console;
using static TorchSharp.torch;

namespace BoltzmannGen.Cli.Commands;

/// <summary>`bgen finetune`: continue a trained flow against the force field (reverse KL, reweighted ML, FORT anchor).</summary>
public sealed class FinetuneCommand : Command<FinetuneCommand.Settings>
{
    public sealed class Settings : TrainedModelSettings
    {

        [CommandOption("-o|--out <DIR>")]
        [Description("New model folder for the fine-tuned flow.")]
        public string Out { get; init; } = "";



        [CommandOption("--config <FILE>")]
        [Description("YAML fine-tuning config (configs/finetune.yaml); KEY=VALUE arguments override it.")]
        public string? Config { get; init; }

        [CommandOption("--steps <N>")]
        [Description("Fine-tuning steps (overrides the config's steps).")]
        public int? Steps { get; init; }

        [CommandOption("--data <DIR>")]
        [Description("MD dataset whose validation frames' NLL is logged beside the ESS (a guard against losing a basin).")]
        public string? Data { get; init; }

        [CommandOption("--targets <FILE>")]
        [Description("targets.npz of the model's FORT training, for the fort anchor term (fort=WEIGHT).")]
        public string? Targets { get; init; }

        [CommandOption("--device <DEVICE>")]
        [Description("cpu, cuda or auto (overrides the config).")]
        public string? Device { get; init; }

        [CommandOption("--resume")]
        [Description("Continue from the output folder's last checkpoint.")]
        public bool Resume { get; init; }

        [CommandArgument(0, "[KEY=VALUE]")]
        [Description("Config overrides, e.g. reverse_kl=1 reweighted_ml=0.5 learning_rate=5e-5.")]
        public string[] Overrides { get; init; } = [];

        public override ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Model) ? ValidationResult.Error("--model is required (a folder from `bgen train`).")
            : string.IsNullOrWhiteSpace(Out) ? ValidationResult.Error("--out is required (a new model folder).")
            : base.Validate();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var overrides = settings.Overrides.ToList();
        if (settings.Steps is not null) overrides.Add($"steps={settings.Steps}");
        if (settings.Device is not null) overrides.Add($"device={settings.Device}");
        if (settings.Threads is { } threads) overrides.Add($"energy_threads={threads}");
        var config = FineTuneConfig.Load(settings.Config, overrides);

        var (info, system) = settings.LoadModelAndSystem();
        OutputPath.CheckFolder(settings.Out, "--out", "the fine-tuned model");
        FineTuneMemory.Check(config, info.Arch, info.Hyperparameters, system.AtomCount, system.Name);

        Tensor? validation = null;
        BoltzmannGen.Data.Frames? training = null;
        if (config.MdMl > 0 && settings.Data is null) throw new InputException("md_ml > 0 needs --data (the dataset whose training frames it fits).");
        if (settings.Data is not null)
        {
            var dataset = ReferenceDataset.Load(settings.Data, system);
            var val = dataset.Split("val");
            int n = Math.Min(val.Count, 2048);
            validation = tensor(val.Positions.AsSpan(0, n * 3 * system.AtomCount).ToArray(), [n, system.AtomCount, 3], float64);
            if (config.MdMl > 0) training = dataset.TrainingFrames(config.MdPooledRuns);
        }
        (Tensor, Tensor)? anchor = null;
        if (config.Fort > 0)
        {
            if (settings.Targets is null) throw new InputException("fort > 0 needs --targets (the targets.npz the model was trained on).");
            var targets = TargetsFile.Read(settings.Targets, system.Name, system.AtomCount);
            anchor = (tensor(targets.X0, [targets.Pairs, system.AtomCount, 3]), tensor(targets.X1, [targets.Pairs, system.AtomCount, 3]));
        }

        using var writer = OutputPath.Lock(settings.Out, context);
        var request = new FineTuneRequest(settings.Model, settings.Out, system, config, validation, anchor, settings.Resume,
                                          settings.ToOptions() with { Threads = config.EnergyThreads }, training);
        FineTuneResult result = null!;
        int stopped = Interruptible.Run(context, cancellationToken, token =>
        {
            TrainingProgressDisplay.Run("fine-tuning", config.Steps, config.LogEvery, progress => result = FineTuner.Run(request, progress, token));
        });
        if (stopped != 0) return stopped;
        var ci = CultureInfo.InvariantCulture;
        AnsiConsole.MarkupLine(string.Create(ci, $"fine-tuned {Markup.Escape(settings.Model)} for {config.Steps} steps in {result.Seconds:F0} s → {Markup.Escape(settings.Out)}"));
        AnsiConsole.MarkupLine(string.Create(ci, $"energy evaluations: {result.EnergyEvaluations:N0}; log: {Markup.Escape(Path.Combine(settings.Out, FineTuneLog.FileName))}"));
        if (config.MdPhiPositiveWeight > 1)
            AnsiConsole.MarkupLine(string.Create(ci, $"md_phi_positive_weight {config.MdPhiPositiveWeight}: {result.MdPhiPositiveFrames:N0} of {training!.Count:N0} MD frames have some φ > 0; " +
                $"they made up {(double)config.MdPhiPositiveWeight * result.MdPhiPositiveFrames / result.MdFrames:P1} of the {result.MdFrames:N0} frames md_ml drew from"));
        if (result.KeptStep is { } step)
            AnsiConsole.MarkupLine(string.Create(ci, $"weights kept: step {step}, validation ESS {100 * result.KeptEss:F2} %"));
        return 0;
    }
}
