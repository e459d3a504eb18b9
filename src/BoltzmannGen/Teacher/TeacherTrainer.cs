using BoltzmannGen.Data;
using BoltzmannGen.Flows;
using BoltzmannGen.Optimisation;
using BoltzmannGen.Teacher.FlowMatching;
using BoltzmannGen.Teacher.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace BoltzmannGen.Teacher;

/// <summary>
/// Flow-matching training of the teacher with the infrastructure every trainer shares (AdamW, warm-up + cosine
/// schedule, gradient clipping, EMA weights, CSV log, atomic checkpoints, exact resume). Validation is the
/// flow-matching loss on held-out frames with a fixed seed; the exact NLL needs an ODE solve with D backward
/// passes per step and is left to `bgen teacher sample` / the report.
/// </summary>
public sealed class TeacherTrainer(string directory, TeacherConfig config, TeacherInfo info, Topology topology)
{
    /// <param name="trainFrames">(n, 3N) training frames, centred and divided by the scale</param>
    /// <param name="validationFrames">(m, 3N) held-out frames in the same frame</param>
    public TeacherModel Train(Tensor trainFrames, Tensor validationFrames, bool resume,
                              IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        var device = TorchDevices.Resolve(config.Device);
        Directory.CreateDirectory(directory);
        if (!resume && (TrainingCheckpoint.Exists(directory) || File.Exists(Path.Combine(directory, TeacherDirectory.InfoFile))))
            throw new InputException($"{directory} already holds a teacher or a checkpoint; continue with --resume or choose another --out.");
        TrainingFolder.WriteConfig(directory, config.ToYaml(), resume);

        var model = TeacherDirectory.Build(info, topology);
        model.to(device);
        var scratch = TeacherDirectory.Build(info, topology);
        scratch.to(device);
        using var objective = new FlowMatchingObjective(trainFrames.to(model.DType, device), Couplings.Parse(config.Coupling), config.Sigma,
                                                        config.RandomRotations && model.InternalCoordinates is null); // y holds the orientation
        var validation = validationFrames.to(model.DType, device);
        var settings = new LoopSettings(config.Steps, config.LearningRate, config.WarmupSteps, config.MinLearningRateFraction,
            config.WeightDecay, config.GradClip, config.EmaDecay, config.LogEvery, config.ValEvery, config.CheckpointEvery,
            config.Seed, config.ToYaml(), YamlConfig.Canonical<TeacherConfig>);
        double seconds = TrainingLoop.Run(directory, settings, model, scratch, g => objective.Loss(model.Network, config.BatchSize, g),
            (averaged, _) =>
            {
                using var noGrad = no_grad();
                return new ValidationFigures(objective.ValidationLoss(((TeacherModel)averaged).Network, validation, seed: config.Seed), null);
            }, resume, progress, cancellation).Seconds;

        TeacherDirectory.Save(directory, info with
        {
            StepsTrained = config.Steps,
            TrainingSeconds = Math.Round(seconds, 1),
            Parameters = scratch.Network.ParameterCount,
        }, scratch);
        return scratch;
    }

    /// <summary>The network hyperparameters a config asks for.</summary>
    public static VelocityHyperparameters Hyperparameters(TeacherConfig config) =>
        new() { Layers = config.Layers, Hidden = config.Hidden, Seed = config.Seed };
}
