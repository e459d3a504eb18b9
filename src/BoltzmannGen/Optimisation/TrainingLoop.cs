using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace BoltzmannGen.Optimisation;

/// <summary>The knobs every trainer's loop shares (flows and the teacher), and the config text a resume must match.</summary>
public sealed record LoopSettings(
    int Steps, double LearningRate, int WarmupSteps, double MinLearningRateFraction, double WeightDecay, double GradClip,
    double EmaDecay, int LogEvery, int ValEvery, int CheckpointEvery, int Seed, string ConfigYaml, Func<string, string> CanonicalConfig,
    bool KeepBest = false);

/// <summary>
/// What a validation found for the averaged weights: the objective's held-out loss, the NLL per degree of freedom of
/// validation frames, and optionally the score keep: best ranks by (lower is better) when it is neither of them
/// (fine-tuning ranks by −ESS of flow samples and logs the NLL beside it as a guard).
/// </summary>
/// <param name="Summary">what a progress line shows instead of the loss, or null</param>
public sealed record ValidationFigures(double? Loss, double? Nll, string? BestCriterion = null, double? BestScore = null, string? Summary = null);

/// <summary>What a training run ended with: its seconds (including those before a resume) and, when the best
/// weights were kept, the step they come from and their validation score.</summary>
public sealed record LoopResult(double Seconds, int? KeptStep = null, string? Criterion = null, double? Score = null);

/// <summary>
/// The training loop of every trainer: AdamW with warm-up + cosine learning rate, gradient clipping, an exponential
/// moving average of the weights, validation at intervals, a CSV log, and atomic checkpoints from which a resume
/// continues with the same optimiser, average and random state (so a resumed run ends with the parameters of an
/// uninterrupted one). On return <paramref name="scratch"/> holds the averaged weights, which is what model folders keep:
/// those of the last step, or with <see cref="LoopSettings.KeepBest"/> those of the validation with the lowest NLL
/// (the loss when there is no NLL; see <see cref="BestWeights"/>).
/// </summary>
public static class TrainingLoop
{
    /// <param name="loss">the loss of one random batch, drawn with the given generator</param>
    /// <param name="parts">state the loss keeps between steps, saved and restored with each checkpoint</param>
    /// <param name="validate">validation figures of the averaged weights (copied into the module it gets) at the given step</param>
    public static LoopResult Run(string directory, LoopSettings s, nn.Module model, nn.Module scratch, Func<Generator, Tensor> loss,
                             Func<nn.Module, int, ValidationFigures> validate, bool resume,
                             IProgress<TrainingProgress>? progress, CancellationToken cancellation,
                             IReadOnlyList<ICheckpointPart>? parts = null)
    {
        var optimizer = new AdamW(model.parameters(), s.LearningRate, s.WeightDecay);
        using var ema = new ExponentialMovingAverage(model, s.EmaDecay);
        var generator = new Generator((ulong)s.Seed);

        int start = 0;
        double elapsedBefore = 0;
        if (resume) (start, elapsedBefore) = TrainingCheckpoint.Read(directory, s.ConfigYaml, s.CanonicalConfig, model, ema, scratch, optimizer, generator, parts);

        var best = s.KeepBest ? BestWeights.Open(directory, resume) : null;
        using var log = new TrainingLog(Path.Combine(directory, TrainingFolder.LogFile), start);
        var clock = Stopwatch.StartNew();
        var window = Stopwatch.StartNew();
        int windowStart = start;
        model.train();
        for (int step = start; step < s.Steps; step++)
        {
            double lr = LearningRateSchedule.At(step, s.Steps, s.LearningRate, s.WarmupSteps, s.MinLearningRateFraction);
            foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;

            double lossValue, gradNorm;
            using (FinalizerFence.Enter())
            using (var scope = NewDisposeScope())
            {
                optimizer.zero_grad();
                var value = loss(generator);
                value.backward();
                gradNorm = nn.utils.clip_grad_norm_(model.parameters(), s.GradClip);
                optimizer.step();
                using (var asDouble = value.detach().to(float64)) lossValue = asDouble.item<double>(); // losses may be float32 or float64
            }
            if (!double.IsFinite(lossValue))
                throw new InputException($"training diverged at step {step + 1} (loss {lossValue}); lower learning_rate or check the targets/data.");
            ema.Update(model);

            int done = step + 1;
            bool last = done == s.Steps;
            double? valLoss = null, valNll = null;
            string? summary = null;
            if (done % s.ValEvery == 0 || last)
            {
                ema.CopyTo(scratch);
                scratch.eval();
                ValidationFigures figures;
                using (FinalizerFence.Enter()) figures = validate(scratch, done);
                (valLoss, valNll, summary) = (figures.Loss, figures.Nll, figures.Summary);
                if (figures.BestScore is { } own) best?.Offer(done, figures.BestCriterion ?? "score", own, scratch);
                else if ((valNll ?? valLoss) is { } score) best?.Offer(done, valNll is null ? "val_loss" : "val_nll", score, scratch);
                model.train();
            }
            if (done % s.LogEvery == 0 || valLoss is not null)
            {
                double rate = (done - windowStart) / Math.Max(1e-9, window.Elapsed.TotalSeconds);
                (windowStart, window) = (done, Stopwatch.StartNew());
                double elapsed = elapsedBefore + clock.Elapsed.TotalSeconds;
                log.Write(new TrainingLogRow(done, lossValue, lr, gradNorm, valLoss, valNll, rate, elapsed));
                progress?.Report(new TrainingProgress(done, s.Steps, lossValue, rate, elapsed, valLoss, valNll, summary));
            }
            bool stop = cancellation.IsCancellationRequested;
            if (done % s.CheckpointEvery == 0 || last || stop)
                TrainingCheckpoint.Write(directory, done, elapsedBefore + clock.Elapsed.TotalSeconds, s.ConfigYaml, model, ema, scratch, optimizer, generator, parts);
            if (stop && !last) cancellation.ThrowIfCancellationRequested();
        }
        double seconds = elapsedBefore + clock.Elapsed.TotalSeconds;
        if (best?.Restore(scratch) == true)
        {
            scratch.eval();
            return new LoopResult(seconds, best.Step, best.Criterion, best.Score);
        }
        ema.CopyTo(scratch);
        scratch.eval();
        return new LoopResult(seconds);
    }
}
