using System.ComponentModel;
using BoltzmannGen.Teacher;
using Spectre.Console.Cli;
using Spectre.Console;

namespace BoltzmannGen.Cli.Commands;

/// <summary>`bgen teacher train`: a flow-matching CNF on MD frames, the source of reflow targets.</summary>
public sealed class TeacherTrainCommand : Command<TeacherTrainCommand.Settings>
{
    public sealed class Settings : SystemSettings
    {
        protected override string? PlatformUnused => "teacher train evaluates no energies";
        protected override string? ThreadsUnused => "teacher train evaluates no energies; its libtorch threads are the config key threads=N";

        [CommandOption("--data <DIR>")]
        [Description("Reference dataset (from `bgen simulate`): train split to learn from, val split for the validation loss.")]
        public string Data { get; init; } = "";

        [CommandOption("-o|--out <DIR>")]
        [Description("Teacher folder to write.")]
        public string Out { get; init; } = "";

        [CommandOption("--config <FILE>")]
        [Description("YAML teacher config (see configs/teacher.yaml); KEY=VALUE arguments override it.")]
        public string? Config { get; init; }

        [CommandOption("--steps <N>")]
        [Description("Training steps (overrides the config's steps).")]
        public int? Steps { get; init; }

        [CommandOption("--net <NAME>")]
        [Description("egnn (E(3)-equivariant, default) or mlp.")]
        public string? Net { get; init; }

        [CommandOption("--coupling <NAME>")]
        [Description("independent, ot or equivariant-ot (default).")]
        public string? Coupling { get; init; }

        [CommandOption("--device <DEVICE>")]
        [Description("cpu, cuda or auto.")]
        public string? Device { get; init; }

        [CommandOption("--resume")]
        [Description("Continue from the teacher folder's last checkpoint.")]
        public bool Resume { get; init; }

        [CommandArgument(0, "[KEY=VALUE]")]
        [Description("Config overrides, e.g. layers=4 hidden=64 batch_size=128.")]
        public string[] Overrides { get; init; } = [];

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Data)) return ValidationResult.Error("--data is required (e.g. data/aldp).");
            if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out is required (e.g. runs/aldp/teacher).");
            return base.Validate();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var overrides = settings.Overrides.ToList();
        if (settings.Steps is not null) overrides.Add($"steps={settings.Steps}");
        if (settings.Net is not null) overrides.Add($"net={settings.Net}");
        if (settings.Coupling is not null) overrides.Add($"coupling={settings.Coupling}");
        if (settings.Device is not null) overrides.Add($"device={settings.Device}");
        var config = TeacherConfig.Load(settings.Config, overrides);
        OutputPath.CheckFolder(settings.Out, "--out", "the teacher");
        var request = new TeacherTrainingRequest(settings.LoadSystem(), config, settings.Data, settings.Out, OutputPath.CommandLine(context), settings.Resume);
        TeacherTrainingResult result = null!;
        int stopped = Interruptible.Run(context, cancellationToken, token =>
            result = TeacherTraining.Run(request, (title, _, work) => TrainingProgressDisplay.Run(title, config.Steps, config.LogEvery, work),
                                         note => AnsiConsole.MarkupLine(Markup.Escape(note)), token));
        if (stopped != 0) return stopped;
        var saved = result.Saved;
        AnsiConsole.MarkupLine($"trained a {config.Net} teacher ({saved.Parameters:N0} parameters, {config.Coupling} coupling) for {config.Steps} steps " +
                               $"in {saved.TrainingSeconds:F0} s → {Markup.Escape(settings.Out)}");
        return 0;
    }
}
