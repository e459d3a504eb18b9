using System.Diagnostics;
using BoltzmannGen.Flows;
using TorchSharp;
using static TorchSharp.torch;

namespace BoltzmannGen.Training;

/// <summary>Where training is: step, last loss, speed, validation figures when just computed.</summary>
public sealed record TrainingProgress(int Step, int TotalSteps, double Loss, double StepsPerSecond, double ElapsedSeconds,
                                      double? ValidationLoss, double? ValidationNll);

/// <summary>
/// The training loop every objective shares: AdamW with warm-up + cosine learning rate, gradient clipping, an
/// exponential moving average of the weights, validation at intervals, a CSV log, and atomic checkpoints from
/// which <c>--resume</c> continues with the same optimiser, average and random state (so a resumed run ends
/// with the same parameters as an uninterrupted one). The averaged weights are what the model folder keeps.
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

    public static Device ResolveDevice(string name) => name switch
    {
        "cpu" => CPU,
        "cuda" => cuda.is_available() ? CUDA : throw new InputException("--device cuda: TorchSharp finds no CUDA device on this machine."),
        "auto" => cuda.is_available() ? CUDA : CPU,
        _ => throw new InputException($"--device {name}: use cpu, cuda or auto."),
    };

    /// <summary>Trains; <paramref name="createObjective"/> builds the objective for the model (on its device).</summary>
    public BoltzmannFlow Train(Func<BoltzmannFlow, ITrainingObjective> createObjective, bool resume,
                               IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        var device = ResolveDevice(_config.Device);
        Directory.CreateDirectory(_directory);
        if (!resume && (TrainingCheckpoint.Exists(_directory) || File.Exists(Path.Combine(_directory, ModelDirectory.InfoFile))))
            throw new InputException($"{_directory} already holds a model or a checkpoint; continue with --resume or choose another --out.");
        File.WriteAllText(Path.Combine(_directory, ModelDirectory.ConfigFile), _config.ToYaml());

        var model = ModelDirectory.Build(_info);
        model.to(device);
        var scratch = ModelDirectory.Build(_info);
        scratch.to(device);
        var objective = createObjective(model);
        var optimizer = optim.AdamW(model.parameters(), _config.LearningRate, weight_decay: _config.WeightDecay);
        using var ema = new ExponentialMovingAverage(model, _config.EmaDecay);
        var generator = new Generator((ulong)_config.Seed);

        int start = 0;
        double elapsedBefore = 0;
        if (resume) (start, elapsedBefore) = TrainingCheckpoint.Read(_directory, _config.ToYaml(), model, ema, scratch, optimizer, generator);

        using var log = new TrainingLog(Path.Combine(_directory, ModelDirectory.LogFile), start);
        var clock = Stopwatch.StartNew();
        var window = Stopwatch.StartNew();
        int windowStart = start;
        model.train();
        for (int step = start; step < _config.Steps; step++)
        {
            double lr = LearningRateSchedule.At(step, _config.Steps, _config.LearningRate, _config.WarmupSteps, _config.MinLearningRateFraction);
            foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;

            double lossValue, gradNorm;
            using (var scope = NewDisposeScope())
            {
                optimizer.zero_grad();
                var loss = objective.Loss(model, _config.BatchSize, generator);
                loss.backward();
                gradNorm = nn.utils.clip_grad_norm_(model.parameters(), _config.GradClip);
                optimizer.step();
                lossValue = loss.item<float>();
            }
            if (!double.IsFinite(lossValue))
                throw new InputException($"training diverged at step {step + 1} (loss {lossValue}); lower learning_rate or check the targets/data.");
            ema.Update(model);

            int done = step + 1;
            bool last = done == _config.Steps;
            double? valLoss = null, valNll = null;
            if (done % _config.ValEvery == 0 || last) (valLoss, valNll) = Validate(model, scratch, ema, objective);
            if (done % _config.LogEvery == 0 || valLoss is not null)
            {
                double rate = (done - windowStart) / Math.Max(1e-9, window.Elapsed.TotalSeconds);
                (windowStart, window) = (done, Stopwatch.StartNew());
                log.Write(new TrainingLogRow(done, lossValue, lr, gradNorm, valLoss, valNll, rate, elapsedBefore + clock.Elapsed.TotalSeconds));
                progress?.Report(new TrainingProgress(done, _config.Steps, lossValue, rate, elapsedBefore + clock.Elapsed.TotalSeconds, valLoss, valNll));
            }
            bool stop = cancellation.IsCancellationRequested;
            if (done % _config.CheckpointEvery == 0 || last || stop)
                TrainingCheckpoint.Write(_directory, done, elapsedBefore + clock.Elapsed.TotalSeconds, _config.ToYaml(), model, ema, scratch, optimizer, generator);
            if (stop && !last) cancellation.ThrowIfCancellationRequested();
        }

        ema.CopyTo(scratch);
        ModelDirectory.Save(_directory, _info with
        {
            Objective = objective.Name,
            StepsTrained = _config.Steps,
            TrainingSeconds = Math.Round(elapsedBefore + clock.Elapsed.TotalSeconds, 1),
        }, scratch);
        scratch.eval();
        return scratch;
    }

    /// <summary>Validation with the averaged weights: the objective's loss, and the NLL per degree of freedom of validation frames.</summary>
    private (double Loss, double? Nll) Validate(BoltzmannFlow model, BoltzmannFlow scratch, ExponentialMovingAverage ema, ITrainingObjective objective)
    {
        ema.CopyTo(scratch);
        scratch.eval();
        double loss = objective.ValidationLoss(scratch);
        double? nll = null;
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            if (_validationFrames?.Invoke(scratch) is { } frames)
                nll = -scratch.LogQ(frames).mean().item<double>() / scratch.Dimension;
        }
        model.train();
        return (loss, nll);
    }
}
