using System.ComponentModel;
using BoltzmannGen.Coordinates;
using BoltzmannGen.Data;
using BoltzmannGen.Datasets;
using BoltzmannGen.Optimisation;
using BoltzmannGen.Teacher;
using BoltzmannGen.Training;
using Spectre.Console.Cli;
using Spectre.Console;
using static TorchSharp.torch;

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
        var system = settings.LoadSystem();
        var dataset = ReferenceDataset.Load(settings.Data, system);
        TrainCommand.RejectNonFinite(dataset);
        var train = dataset.Split("train");
        TrainingConfig.CheckBatchSize(config.BatchSize, train.Count, $"training frames in {settings.Data}");
        double scale = config.Scale > 0 ? config.Scale : LengthScale.FromFrames(train.Positions, system.AtomCount);

        var map = config.Coordinates == "internal"
            ? Coordinates.InternalCoordinateMap.Fit(Coordinates.ZMatrix.FromTopology(system.Topology), train.Positions, train.Count)
            : null;
        var info = new TeacherInfo
        {
            System = system.Name, Atoms = system.AtomCount, Net = config.Net, Scale = scale, Coupling = config.Coupling,
            Hyperparameters = TeacherTrainer.Hyperparameters(config), Coordinates = config.Coordinates,
            InternalCoordinates = map is null ? null : map.ToJsonNode(),
        };
        using var writer = OutputPath.Lock(settings.Out, context);
        var trainer = new TeacherTrainer(settings.Out, config, info, system.Topology);
        // The scale and the map come from the MD frames as they are; only what the teacher learns from is biased.
        var (learned, phiPositive) = PhiPositiveOversampling.Expand(train, system.Topology, config.PhiPositiveWeight);
        if (config.PhiPositiveWeight > 1)
            AnsiConsole.MarkupLine($"phi_positive_weight {config.PhiPositiveWeight}: {phiPositive:N0} of {train.Count:N0} training frames have some φ > 0; " +
                                   $"they make up {(double)config.PhiPositiveWeight * phiPositive / learned.Count:P1} of the {learned.Count:N0} frames the teacher learns from.");
        using var trainFrames = Normalised(learned, system.AtomCount, scale, map);
        using var valFrames = Normalised(dataset.Split("val"), system.AtomCount, scale, map);

        int stopped = Interruptible.Run(context, cancellationToken, token =>
        {
            using var threads = TorchThreads.Use(config.Threads);
            TrainingProgressDisplay.Run("teacher", config.Steps, config.LogEvery,
                progress => trainer.Train(trainFrames, valFrames, settings.Resume, progress, token));
        });
        if (stopped != 0) return stopped;
        var saved = TeacherDirectory.ReadInfo(settings.Out);
        AnsiConsole.MarkupLine($"trained a {config.Net} teacher ({saved.Parameters:N0} parameters, {config.Coupling} coupling) for {config.Steps} steps " +
                               $"in {saved.TrainingSeconds:F0} s → {Markup.Escape(settings.Out)}");
        return 0;
    }

    /// <summary>Frames (n, N, 3) nm → (n, 3N) in the teacher's frame, float32.</summary>
    private static Tensor Normalised(Frames frames, int atoms, double scale, Coordinates.InternalCoordinateMap? map)
    {
        using var scope = NewDisposeScope();
        var x = tensor(frames.Positions, [frames.Count, atoms, 3], float64);
        return scope.MoveToOuter(TeacherModel.Normalise(x, scale, map).to(float32));
    }
}
