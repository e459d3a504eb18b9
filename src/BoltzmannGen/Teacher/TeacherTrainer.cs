using System.Diagnostics;
using BoltzmannGen.Systems;
using BoltzmannGen.Teacher.FlowMatching;
using BoltzmannGen.Teacher.Networks;
using BoltzmannGen.Training;
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
        var device = FlowTrainer.ResolveDevice(config.Device);
        Directory.CreateDirectory(directory);
        if (!resume && (TrainingCheckpoint.Exists(directory) || File.Exists(Path.Combine(directory, TeacherDirectory.InfoFile))))
            throw new InputException($"{directory} already holds a teacher or a checkpoint; continue with --resume or choose another --out.");
        File.WriteAllText(Path.Combine(directory, ModelDirectory.ConfigFile), config.ToYaml());

        var model = TeacherDirectory.Build(info, topology);
        model.to(device);
        var scratch = TeacherDirectory.Build(info, topology);
        scratch.to(device);
        using var objective = new FlowMatchingObjective(trainFrames.to(model.DType, device), Couplings.Parse(config.Coupling), config.Sigma,
                                                        config.RandomRotations);
        var validation = validationFrames.to(model.DType, device);
        var optimizer = optim.AdamW(model.parameters(), config.LearningRate, weight_decay: config.WeightDecay);
        using var ema = new ExponentialMovingAverage(model, config.EmaDecay);
        var generator = new Generator((ulong)config.Seed);

        int start = 0;
        double elapsedBefore = 0;
        if (resume) (start, elapsedBefore) = TrainingCheckpoint.Read(directory, config.ToYaml(), model, ema, scratch, optimizer, generator);

        using var log = new TrainingLog(Path.Combine(directory, ModelDirectory.LogFile), start);
        var clock = Stopwatch.StartNew();
        var window = Stopwatch.StartNew();
        int windowStart = start;
        model.train();
        for (int step = start; step < config.Steps; step++)
        {
            double lr = LearningRateSchedule.At(step, config.Steps, config.LearningRate, config.WarmupSteps, config.MinLearningRateFraction);
            foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;

            double lossValue, gradNorm;
            using (var scope = NewDisposeScope())
            {
                optimizer.zero_grad();
                var loss = objective.Loss(model.Network, config.BatchSize, generator);
                loss.backward();
                gradNorm = nn.utils.clip_grad_norm_(model.parameters(), config.GradClip);
                optimizer.step();
                lossValue = loss.item<float>();
            }
            if (!double.IsFinite(lossValue))
                throw new InputException($"teacher training diverged at step {step + 1} (loss {lossValue}); lower learning_rate.");
            ema.Update(model);

            int done = step + 1;
            bool last = done == config.Steps;
            double? valLoss = null;
            if (done % config.ValEvery == 0 || last)
            {
                ema.CopyTo(scratch);
                scratch.eval();
                using (no_grad()) valLoss = objective.ValidationLoss(scratch.Network, validation, seed: config.Seed);
                model.train();
            }
            if (done % config.LogEvery == 0 || valLoss is not null)
            {
                double rate = (done - windowStart) / Math.Max(1e-9, window.Elapsed.TotalSeconds);
                (windowStart, window) = (done, Stopwatch.StartNew());
                log.Write(new TrainingLogRow(done, lossValue, lr, gradNorm, valLoss, null, rate, elapsedBefore + clock.Elapsed.TotalSeconds));
                progress?.Report(new TrainingProgress(done, config.Steps, lossValue, rate, elapsedBefore + clock.Elapsed.TotalSeconds, valLoss, null));
            }
            bool stop = cancellation.IsCancellationRequested;
            if (done % config.CheckpointEvery == 0 || last || stop)
                TrainingCheckpoint.Write(directory, done, elapsedBefore + clock.Elapsed.TotalSeconds, config.ToYaml(), model, ema, scratch, optimizer, generator);
            if (stop && !last) cancellation.ThrowIfCancellationRequested();
        }

        ema.CopyTo(scratch);
        TeacherDirectory.Save(directory, info with
        {
            StepsTrained = config.Steps,
            TrainingSeconds = Math.Round(elapsedBefore + clock.Elapsed.TotalSeconds, 1),
            Parameters = scratch.Network.ParameterCount,
        }, scratch);
        scratch.eval();
        return scratch;
    }

    /// <summary>The network hyperparameters a config asks for.</summary>
    public static VelocityHyperparameters Hyperparameters(TeacherConfig config) =>
        new() { Layers = config.Layers, Hidden = config.Hidden, Seed = config.Seed };
}
