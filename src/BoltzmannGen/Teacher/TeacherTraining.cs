using BoltzmannGen.Analysis;
using BoltzmannGen.Coordinates;
using BoltzmannGen.Data;
using BoltzmannGen.Datasets;
using BoltzmannGen.Optimisation;
using BoltzmannGen.Systems;
using static TorchSharp.torch;

namespace BoltzmannGen.Teacher;

/// <summary>What `bgen teacher train` trains and from what.</summary>
/// <param name="DataPath">a reference dataset: its train split is learned, its val split gives the validation loss</param>
/// <param name="Out">the teacher folder</param>
/// <param name="Writer">who holds OUT's writer lock while training (docs/design.md §5.8): the command line</param>
/// <param name="Resume">continue from the teacher folder's last checkpoint</param>
public sealed record TeacherTrainingRequest(PeptideSystem System, TeacherConfig Config, string DataPath, string Out, string Writer,
                                           bool Resume = false);

/// <summary>How training ended: the teacher folder's teacher.json as saved.</summary>
public sealed record TeacherTrainingResult(TeacherInfo Saved);

/// <summary>
/// A flow-matching CNF teacher trained on MD frames, the source of reflow targets (docs/design.md §6.2): the length
/// scale and internal-coordinate map from the training frames as they are, φ > 0 frames oversampled when asked
/// (<see cref="PhiPositiveOversampling"/>), then <see cref="TeacherTrainer"/> in the config's libtorch threads.
/// </summary>
public static class TeacherTraining
{
    /// <param name="display">shows the training's progress (title "teacher", total: the steps)</param>
    /// <param name="note">told how many frames φ > 0 oversampling makes of the training set</param>
    public static TeacherTrainingResult Run(TeacherTrainingRequest request, ProgressDisplay<TrainingProgress> display, Action<string>? note = null,
                                            CancellationToken cancellation = default)
    {
        var (system, config) = (request.System, request.Config);
        var dataset = ReferenceDataset.Load(request.DataPath, system);
        dataset.RejectNonFinite();
        // md_pooled_runs adds the pooled independent runs' frames; validation stays on this run's own split.
        var train = dataset.TrainingFrames(config.MdPooledRuns);
        BatchSizeLimit.Check(config.BatchSize, train.Count, $"training frames{(config.MdPooledRuns ? " and pooled runs' frames" : "")} in {request.DataPath}");
        double scale = config.Scale > 0 ? config.Scale : LengthScale.FromFrames(train.Positions, system.AtomCount);

        var map = config.Coordinates == "internal"
            ? InternalCoordinateMap.Fit(ZMatrix.FromTopology(system.Topology), train.Positions, train.Count)
            : null;
        var info = new TeacherInfo
        {
            System = system.Name, Atoms = system.AtomCount, Net = config.Net, Scale = scale, Coupling = config.Coupling,
            Hyperparameters = TeacherTrainer.Hyperparameters(config), Coordinates = config.Coordinates,
            InternalCoordinates = map is null ? null : map.ToJsonNode(),
        };
        using var writer = WriterLock.Acquire(request.Out, request.Writer);
        var trainer = new TeacherTrainer(request.Out, config, info, system.Topology);
        // The scale and the map come from the MD frames as they are; only what the teacher learns from is biased.
        var (learned, phiPositive) = PhiPositiveOversampling.Expand(train, system.Topology, config.PhiPositiveWeight);
        if (config.PhiPositiveWeight > 1)
            note?.Invoke($"phi_positive_weight {config.PhiPositiveWeight}: {phiPositive:N0} of {train.Count:N0} training frames have some φ > 0; " +
                         $"they make up {(double)config.PhiPositiveWeight * phiPositive / learned.Count:P1} of the {learned.Count:N0} frames the teacher learns from.");
        using var trainFrames = Normalised(learned, system.AtomCount, scale, map);
        using var valFrames = Normalised(dataset.Split("val"), system.AtomCount, scale, map);

        using (TorchThreads.Use(config.Threads))
            display("teacher", config.Steps, progress => trainer.Train(trainFrames, valFrames, request.Resume, progress, cancellation));
        return new TeacherTrainingResult(TeacherDirectory.ReadInfo(request.Out));
    }

    /// <summary>Frames (n, N, 3) nm → (n, 3N) in the teacher's frame, float32.</summary>
    private static Tensor Normalised(Frames frames, int atoms, double scale, InternalCoordinateMap? map)
    {
        using var scope = NewDisposeScope();
        var x = tensor(frames.Positions, [frames.Count, atoms, 3], float64);
        return scope.MoveToOuter(TeacherModel.Normalise(x, scale, map).to(float32));
    }
}
