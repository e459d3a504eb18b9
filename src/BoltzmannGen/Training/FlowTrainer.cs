using BoltzmannGen.Flows;
using BoltzmannGen.Optimisation;
using TorchSharp;
using static TorchSharp.torch;

namespace BoltzmannGen.Training;

/// <summary>
/// Trains a flow with any objective (FORT, MLE) through the shared <see cref="TrainingLoop"/> (AdamW, warm-up +
/// cosine, clipping, EMA, validation, CSV log, exact resume). The model folder keeps the averaged weights of the
/// validation with the lowest NLL per degree of freedom (keep: best, the default) or of the last step (keep: last).
/// </summary>
public sealed class FlowTrainer
{
    private readonly string _directory;
    private readonly TrainingConfig _config;
    private readonly ModelInfo _info;
    private readonly Func<BoltzmannFlow, Tensor?>? _validationFrames;

    /// <param name="directory">the model folder</param>
    /// <param name="info">architecture and normalisation of the model to train</param>
    /// <param name="validationFrames">frames (nm) whose NLL is logged at validation, or null</param>
    public FlowTrainer(string directory, TrainingConfig config, ModelInfo info, Func<BoltzmannFlow, Tensor?>? validationFrames = null)
    {
        _directory = directory;
        _config = config;
        _info = info;
        _validationFrames = validationFrames;
    }

    /// <summary>Trains; <paramref name="createObjective"/> builds the objective for the model (on its device).</summary>
    public BoltzmannFlow Train(Func<BoltzmannFlow, ITrainingObjective> createObjective, bool resume,
                               IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        var device = TorchDevices.Resolve(_config.Device);
        Directory.CreateDirectory(_directory);
        if (!resume && (TrainingCheckpoint.Exists(_directory) || File.Exists(Path.Combine(_directory, ModelDirectory.InfoFile))))
            throw new InputException($"{_directory} already holds a model or a checkpoint; continue with --resume or choose another --out.");
        TrainingFolder.WriteConfig(_directory, _config.ToYaml(), resume);

        var model = ModelDirectory.Build(_info);
        model.to(device);
        var scratch = ModelDirectory.Build(_info);
        scratch.to(device);
        var objective = createObjective(model);
        var settings = new LoopSettings(_config.Steps, _config.LearningRate, _config.WarmupSteps, _config.MinLearningRateFraction,
            _config.WeightDecay, _config.GradClip, _config.EmaDecay, _config.LogEvery, _config.ValEvery, _config.CheckpointEvery,
            _config.Seed, _config.ToYaml(), YamlConfig.Canonical<TrainingConfig>, KeepBest: _config.Keep == "best");
        var result = TrainingLoop.Run(_directory, settings, model, scratch, g => objective.Loss(model, _config.BatchSize, g),
            (averaged, _) => Validate((BoltzmannFlow)averaged, objective), resume, progress, cancellation);

        ModelDirectory.Save(_directory, _info with
        {
            Objective = objective.Name,
            StepsTrained = _config.Steps,
            TrainingSeconds = Math.Round(result.Seconds, 1),
            Weights = result.KeptStep is { } kept
                ? $"exponential moving average at step {kept} (lowest {result.Criterion})"
                : "exponential moving average at the last step",
            KeptStep = result.KeptStep,
            KeptScore = result.Score is { } score ? Math.Round(score, 5) : null,
        }, scratch);
        return scratch;
    }

    /// <summary>Validation of the averaged weights: the objective's loss, and the NLL per degree of freedom of validation frames.</summary>
    private ValidationFigures Validate(BoltzmannFlow averaged, ITrainingObjective objective)
    {
        double loss = objective.ValidationLoss(averaged);
        double? nll = null;
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            if (_validationFrames?.Invoke(averaged) is { } frames)
                nll = -averaged.LogQ(frames).mean().item<double>() / averaged.Dimension;
        }
        return new ValidationFigures(loss, nll);
    }
}
