using System.Text.Json.Nodes;
using BoltzmannGen.Coordinates;
using BoltzmannGen.Data;
using BoltzmannGen.Datasets;
using BoltzmannGen.Flows;
using BoltzmannGen.Optimisation;
using BoltzmannGen.Systems;
using BoltzmannGen.Targets;
using static TorchSharp.torch;

namespace BoltzmannGen.Training;

/// <summary>What `bgen train` trains and from what.</summary>
/// <param name="Out">the model folder</param>
/// <param name="Writer">who holds OUT's writer lock while training (docs/design.md §5.8): the command line</param>
/// <param name="TargetsPath">targets.npz of `bgen targets` (FORT)</param>
/// <param name="DataPath">a reference dataset: the training frames for MLE, the validation NLL for both objectives</param>
/// <param name="Resume">continue from the model folder's last checkpoint</param>
public sealed record FlowTrainingRequest(PeptideSystem System, TrainingConfig Config, string Out, string Writer,
                                        string? TargetsPath = null, string? DataPath = null, bool Resume = false);

/// <summary>How training ended: the model folder's model.json as saved (which weights were kept, and their score).</summary>
public sealed record FlowTrainingResult(ModelInfo Saved);

/// <summary>
/// A normalizing flow trained by FORT (regression onto targets.npz pairs) or by maximum likelihood (on MD frames):
/// the flow's normalisation (length scale, internal-coordinate map) from what it is trained to produce, then
/// <see cref="FlowTrainer"/> (docs/design.md §6.1, §6.5).
/// </summary>
public static class FlowTraining
{
    /// <summary>Refuses what the config allows but this trainer cannot do; cheap, so a caller may check before loading anything.</summary>
    public static void CheckConfig(TrainingConfig config)
    {
        if (!FlowArchitectures.Names.Contains(config.Arch))
            throw new InputException($"--arch {config.Arch} is unknown; known architectures: {string.Join(", ", FlowArchitectures.Names)}.");
        if (config.Arch == "tarflow" && config.Objective == "mle" && config.BatchSize > 128)
            throw new InputException($"batch_size {config.BatchSize} is too large for tarflow by MLE: its density direction is sequential over atoms and " +
                                     "keeps every pass for backpropagation (≈40 MB per conformation); use batch_size=64 (or FORT, whose direction is parallel).");
    }

    /// <param name="display">shows the training's progress (title "training", total: the steps)</param>
    public static FlowTrainingResult Run(FlowTrainingRequest request, ProgressDisplay<TrainingProgress> display, CancellationToken cancellation = default)
    {
        var (system, config) = (request.System, request.Config);
        CheckConfig(config);
        var dataset = request.DataPath is null ? null : ReferenceDataset.Load(request.DataPath, system);
        dataset?.RejectNonFinite();

        TargetsFile? targets = null;
        double scale;
        if (config.Objective == "fort")
        {
            if (request.TargetsPath is null) throw new InputException("--objective fort needs --targets (make them with `bgen targets`).");
            targets = TargetsFile.Read(request.TargetsPath, system.Name, system.AtomCount);
            BatchSizeLimit.Check(config.BatchSize, targets.Pairs, $"pairs in {request.TargetsPath}");
            scale = targets.Scale;
        }
        else
        {
            if (dataset is null) throw new InputException("--objective mle needs --data (a dataset from `bgen simulate`).");
            BatchSizeLimit.Check(config.BatchSize, dataset.Split("train").Count, $"training frames in {request.DataPath}");
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
        using var writer = WriterLock.Acquire(request.Out, request.Writer);
        var trainer = new FlowTrainer(request.Out, config, info, validationFrames);

        Func<BoltzmannFlow, ITrainingObjective> objective = config.Objective == "fort"
            ? model => new FortObjective(model,
                tensor(targets!.X0, [targets.Pairs, system.AtomCount, 3]), tensor(targets.X1, [targets.Pairs, system.AtomCount, 3]), config)
            : model => new MleObjective(model, FramesTensor(dataset!.Split("train"), system.AtomCount),
                FramesTensor(dataset.Split("val"), system.AtomCount), config);
        display("training", config.Steps, progress => trainer.Train(objective, request.Resume, progress, cancellation));
        return new FlowTrainingResult(ModelDirectory.ReadInfo(request.Out));
    }

    // Reflow targets of an internal-coordinate teacher carry its map: the student takes it as it is (TargetsMeta).
    // Otherwise the standardisation comes from what the flow is trained to produce: the FORT targets (nm), or the
    // MLE training frames.
    private static JsonNode FitInternalCoordinates(PeptideSystem system, TargetsFile? targets, ReferenceDataset? dataset, double scale)
    {
        if (targets?.Meta.InternalCoordinates is { } teacherMap)
        {
            InternalCoordinateMap teacher;
            try { teacher = InternalCoordinateMap.FromSetting("internal", teacherMap)!; }
            catch (InvalidDataException e) { throw new InputException($"--targets: the teacher's internal-coordinate map in its meta is damaged: {e.Message}", e); }
            if (teacher.Atoms != system.AtomCount)
                throw new InputException($"--targets: the teacher's internal-coordinate map has {teacher.Atoms} atoms, not {system.AtomCount}.");
            return teacherMap.DeepClone();
        }
        double[] frames;
        if (targets is not null) frames = targets.X1.Select(v => (double)v * scale).ToArray();
        else frames = dataset!.Split("train").Positions;
        int n = frames.Length / (3 * system.AtomCount);
        var map = InternalCoordinateMap.Fit(ZMatrix.FromTopology(system.Topology), frames, n);
        return map.ToJsonNode();
    }

    private static Tensor FramesTensor(Frames frames, int atoms) => tensor(frames.Positions, [frames.Count, atoms, 3], float64);
}
