using System.ComponentModel;
using System.Globalization;
using BoltzmannGen.Coordinates;
using BoltzmannGen.Data;
using BoltzmannGen.Datasets;
using BoltzmannGen.Flows;
using BoltzmannGen.Targets;
using BoltzmannGen.Training;
using Spectre.Console.Cli;
using Spectre.Console;
using static TorchSharp.torch;

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
        if (!FlowArchitectures.Names.Contains(config.Arch))
            throw new InputException($"--arch {config.Arch} is unknown; known architectures: {string.Join(", ", FlowArchitectures.Names)}.");
        if (config.Arch == "tarflow" && config.Objective == "mle" && config.BatchSize > 128)
            throw new InputException($"batch_size {config.BatchSize} is too large for tarflow by MLE: its density direction is sequential over atoms and " +
                                     "keeps every pass for backpropagation (≈40 MB per conformation); use batch_size=64 (or FORT, whose direction is parallel).");
        var system = settings.LoadSystem();
        var dataset = settings.Data is null ? null : ReferenceDataset.Load(settings.Data, system);
        if (dataset is not null) RejectNonFinite(dataset);

        TargetsFile? targets = null;
        double scale;
        if (config.Objective == "fort")
        {
            if (settings.Targets is null) throw new InputException("--objective fort needs --targets (make them with `bgen targets`).");
            targets = TargetsFile.Read(settings.Targets, system.Name, system.AtomCount);
            TrainingConfig.CheckBatchSize(config.BatchSize, targets.Pairs, $"pairs in {settings.Targets}");
            scale = targets.Scale;
        }
        else
        {
            if (dataset is null) throw new InputException("--objective mle needs --data (a dataset from `bgen simulate`).");
            TrainingConfig.CheckBatchSize(config.BatchSize, dataset.Split("train").Count, $"training frames in {settings.Data}");
            scale = config.Scale > 0 ? config.Scale : LengthScale.FromFrames(dataset.Split("train").Positions, system.AtomCount);
        }

        var info = new ModelInfo
        {
            System = system.Name, Atoms = system.AtomCount, Arch = config.Arch, Scale = scale, Objective = config.Objective,
            Hyperparameters = config.FlowHyperparameters(), Coordinates = config.Coordinates,
            InternalCoordinates = config.Coordinates == "internal" ? FitInternalCoordinates(system, targets, dataset, scale) : null,
        };
        Func<BoltzmannFlow, Tensor?>? validationFrames = dataset is null ? null : model =>
        {
            var val = dataset.Split("val");
            int n = Math.Min(val.Count, config.Arch == "tarflow" ? 256 : 2048); // tarflow's log q is sequential over tokens
            return tensor(val.Positions.AsSpan(0, n * 3 * system.AtomCount).ToArray(), [n, system.AtomCount, 3], float64);
        };
        using var writer = OutputPath.Lock(settings.Out, context);
        var trainer = new FlowTrainer(settings.Out, config, info, validationFrames);

        int stopped = Interruptible.Run(context, cancellationToken, token =>
        {
            Func<BoltzmannFlow, ITrainingObjective> objective = config.Objective == "fort"
                ? model => new FortObjective(model,
                    tensor(targets!.X0, [targets.Pairs, system.AtomCount, 3]), tensor(targets.X1, [targets.Pairs, system.AtomCount, 3]), config)
                : model => new MleObjective(model, FramesTensor(dataset!.Split("train"), system.AtomCount),
                    FramesTensor(dataset.Split("val"), system.AtomCount), config);
            TrainingProgressDisplay.Run("training", config.Steps, config.LogEvery, progress => trainer.Train(objective, settings.Resume, progress, token));
        });
        if (stopped != 0) return stopped;
        AnsiConsole.MarkupLine($"trained {config.Arch} by {config.Objective} for {config.Steps} steps → {Markup.Escape(settings.Out)} " +
                               $"(log: {Markup.Escape(Path.Combine(settings.Out, ModelDirectory.LogFile))})");
        var saved = ModelDirectory.ReadInfo(settings.Out);
        AnsiConsole.MarkupLine($"weights kept: {Markup.Escape(saved.Weights)}" +
                               (saved.KeptScore is { } score ? $", {score.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture)}" : ""));
        return 0;
    }

    // Reflow targets of an internal-coordinate teacher carry its map: the student takes it as it is (TargetsMeta).
    // Otherwise the standardisation comes from what the flow is trained to produce: the FORT targets (nm), or the
    // MLE training frames.
    private static System.Text.Json.Nodes.JsonNode FitInternalCoordinates(BoltzmannGen.Systems.PeptideSystem system, TargetsFile? targets,
                                                                          ReferenceDataset? dataset, double scale)
    {
        if (targets?.Meta.InternalCoordinates is { } teacherMap)
        {
            BoltzmannGen.Coordinates.InternalCoordinateMap teacher;
            try { teacher = BoltzmannGen.Coordinates.InternalCoordinateMap.FromSetting("internal", teacherMap)!; }
            catch (InvalidDataException e) { throw new InputException($"--targets: the teacher's internal-coordinate map in its meta is damaged: {e.Message}", e); }
            if (teacher.Atoms != system.AtomCount)
                throw new InputException($"--targets: the teacher's internal-coordinate map has {teacher.Atoms} atoms, not {system.AtomCount}.");
            return teacherMap.DeepClone();
        }
        double[] frames;
        if (targets is not null) frames = targets.X1.Select(v => (double)v * scale).ToArray();
        else frames = dataset!.Split("train").Positions;
        int n = frames.Length / (3 * system.AtomCount);
        var map = BoltzmannGen.Coordinates.InternalCoordinateMap.Fit(
            BoltzmannGen.Coordinates.ZMatrix.FromTopology(system.Topology), frames, n);
        return map.ToJsonNode();
    }

    private static Tensor FramesTensor(Frames frames, int atoms) => tensor(frames.Positions, [frames.Count, atoms, 3], float64);

    internal static void RejectNonFinite(ReferenceDataset dataset)
    {
        foreach (var split in ReferenceDataset.SplitNames)
        {
            if (dataset.Split(split).FirstNonFinite() is { } bad)
                throw new InputException($"{dataset.Directory}/{split}.npy: frame {bad.Frame} has a non-finite coordinate.");
        }
    }
}
