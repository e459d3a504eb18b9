using BoltzmannGen.Flows;
using BoltzmannGen.Sampling;
using BoltzmannGen.Smc;
using BoltzmannGen.Training;
using static TorchSharp.torch;

namespace BoltzmannGen.FineTuning;

/// <summary>
/// What the samples of the steps since the last report looked like; for the fab term also the mean normalised ESS of
/// its final AIS weights and the mean MALA acceptance (NaN without fab): how well the annealing reaches p²/q.
/// </summary>
public sealed record BatchStatistics(int Samples, int Invalid, int NonFinite, int Capped, double MeanBatchEss,
                                     double MeanFabEss = double.NaN, double MeanFabAcceptance = double.NaN);

/// <summary>
/// The fine-tuning loss of one step (docs/design.md §6, "Energy-based fine-tuning"): B flow samples x = f(z) with
/// exact log q, scored by the force field once (energies, and forces when the reverse KL is on), and
/// <list type="bullet">
/// <item>reverse_kl: mean over samples of cap(u(x)) + log q(x). The energy's gradient enters as the surrogate
/// cap'(u)·(∇u · x) with ∇u = −F/k_BT held fixed, which has the right derivative and lets non-finite samples be
/// dropped before they can turn a gradient into NaN; log q's gradient comes from the flow's log-det (and the
/// internal-coordinate map's).</item>
/// <item>reweighted_ml: −Σ w̄ᵢ·log q(xᵢ) on the same draws, w̄ the self-normalised importance weights
/// exp(−u − log q) (detached; invalid samples weigh 0; the top <see cref="FineTuneConfig.WeightClip"/> capped),
/// through the inverse direction. It is the forward KL to the target estimated with the model's own samples: it
/// pulls density towards where the target has mass the model lacks, which reverse KL alone would not. With
/// ml_resample = m the inverse pass sees m systematic draws ∝ w̄ instead, each weighing 1/m (same expectation).</item>
/// <item>fort: the FORT pair loss on the teacher's pairs, an anchor that keeps the basins the teacher found.</item>
/// <item>md_ml: −mean log q of a batch of MD training frames (<see cref="MleObjective"/>), an anchor that keeps the
/// basins MD visited at their MD populations.</item>
/// <item>fab: FAB's α = 2 term. Annealed importance sampling (<see cref="SmcSampler"/> without resampling, MALA
/// moves) carries fab_particles fresh prior draws from q to p²/q in the latent space of the model as it is at this
/// step; then −Σ w̄ᵢ·log q(xᵢ) over the particles, w̄ their self-normalised AIS weights (detached, top weight_clip
/// capped). Its gradient is that of ∫p²/q, the second moment of the importance weights, up to a positive factor.
/// With fab_buffer the particles go into a <see cref="FabReplayBuffer"/> (a new annealing every fab_every steps) and
/// the term is −mean(min(q_old/q, 10)·log q) over fab_batch particles drawn from it in proportion to their weights:
/// the same gradient in expectation, with q_old/q correcting for the steps the flow took since a particle was weighted.</item>
/// </list>
/// </summary>
public sealed class FineTuneObjective
{
    private readonly ITargetEnergy _target;
    private readonly FineTuneConfig _config;
    private readonly FortObjective? _anchor;
    private readonly MleObjective? _md;
    private readonly FabReplayBuffer? _buffer;
    private int _samples, _invalid, _nonFinite, _capped, _batches, _fabRuns;
    private double _essSum, _fabEssSum, _fabAcceptanceSum;

    /// <param name="dimension">the flow's latent dimension, which sizes the fab term's replay buffer (needed when fab_buffer &gt; 0)</param>
    public FineTuneObjective(ITargetEnergy target, FineTuneConfig config, FortObjective? anchor, MleObjective? md = null, int? dimension = null)
    {
        if (config.Fort > 0 && anchor is null) throw new InputException("fort > 0 needs the teacher's pairs: give --targets (targets.npz).");
        if (config.MdMl > 0 && md is null) throw new InputException("md_ml > 0 needs the MD training frames: give --data (a dataset folder).");
        _target = target;
        _config = config;
        _anchor = anchor;
        _md = md;
        if (config.Fab > 0 && config.FabBuffer > 0)
            _buffer = new FabReplayBuffer(config.FabBuffer, dimension ?? throw new ArgumentNullException(nameof(dimension), "fab_buffer needs the flow's dimension"));
    }

    /// <summary>State a resume must restore beside the weights: the fab term's replay buffer, if any.</summary>
    public IReadOnlyList<Optimisation.ICheckpointPart> CheckpointParts => _buffer is null ? [] : [_buffer];

    /// <summary>The loss of one step (a scalar tensor with gradients), drawing z with <paramref name="generator"/>.</summary>
    public Tensor Loss(BoltzmannFlow model, Generator generator)
    {
        bool reverse = _config.ReverseKl > 0;
        var u0 = model.Prior.Sample(_config.BatchSize, generator, model.Device, model.DType);
        Tensor latent, positions, logQ;
        if (reverse) (latent, positions, logQ) = model.SampleFrom(u0, differentiable: true);
        else using (no_grad()) (latent, positions, logQ) = model.SampleFrom(u0);

        var x = ToDoubles(positions);
        var scored = _target.Score(x, withForces: reverse);
        var logQValues = ToDoubles(logQ);
        Tensor loss = zeros([], float64, model.Device);
        if (reverse) loss = loss + _config.ReverseKl * ReverseKl(positions, logQ, scored, logQValues, model.Device);
        if (_config.ReweightedMl > 0) loss = loss + _config.ReweightedMl * ReweightedMl(model, latent.detach(), scored, logQValues, generator);
        if (_config.Fort > 0) loss = loss + _config.Fort * _anchor!.Loss(model, _config.FortBatchSize, generator).to(float64);
        if (_config.MdMl > 0) loss = loss + _config.MdMl * _md!.Loss(model, _config.MdBatchSize, generator).to(float64);
        if (_config.Fab > 0) loss = loss + _config.Fab * (_buffer is null ? Fab(model, generator) : FabFromBuffer(model, _buffer, generator));
        Record(scored, logQValues);
        // A batch with nothing to learn from (every sample invalid, no other term) still returns a differentiable
        // zero, so the step is a no-op instead of a failed backward pass.
        if (!loss.requires_grad) loss = loss + model.parameters().Select(p => (p * 0).sum().to(float64)).Aggregate((a, b) => a + b);
        return loss;
    }

    /// <summary>Totals since the last call, then starts counting afresh.</summary>
    public BatchStatistics TakeStatistics()
    {
        var s = new BatchStatistics(_samples, _invalid, _nonFinite, _capped, _batches == 0 ? double.NaN : _essSum / _batches,
                                    _fabRuns == 0 ? double.NaN : _fabEssSum / _fabRuns, _fabRuns == 0 ? double.NaN : _fabAcceptanceSum / _fabRuns);
        (_samples, _invalid, _nonFinite, _capped, _batches, _essSum) = (0, 0, 0, 0, 0, 0);
        (_fabRuns, _fabEssSum, _fabAcceptanceSum) = (0, 0, 0);
        return s;
    }

    private Tensor ReverseKl(Tensor positions, Tensor logQ, ScoredBatch scored, double[] logQValues, Device device)
    {
        int n = scored.Count, per = scored.Gradients!.Length / n;
        var use = new bool[n];
        var slopeTimesGradient = new double[scored.Gradients.Length];
        var correction = new double[n];
        int used = 0;
        for (int i = 0; i < n; i++)
        {
            if (!scored.Finite(i) || !double.IsFinite(logQValues[i])) continue;
            use[i] = true;
            used++;
            double slope = EnergyCap.Slope(scored.Reduced[i], _config.EnergyCap);
            for (int k = i * per; k < (i + 1) * per; k++) slopeTimesGradient[k] = slope * scored.Gradients[k];
        }
        if (used == 0) return zeros([], float64, device);
        var keep = tensor(use, device: device);
        var mask = keep.to(float64);
        var g = tensor(slopeTimesGradient, positions.shape, float64).to(device);
        // Dropped samples may hold NaN coordinates: 0·NaN would still poison the sum, so they are replaced first.
        var x64 = where(keep.view(-1, 1, 1), positions.to(float64), zeros_like(positions, dtype: float64));
        // Surrogate with the gradient of cap(u); its value is replaced by cap(u) so the loss reads as the KL estimate.
        var surrogate = (g * x64).sum([1, 2]);
        for (int i = 0; i < n; i++) correction[i] = use[i] ? EnergyCap.Value(scored.Reduced[i], _config.EnergyCap) : 0;
        var energyTerm = surrogate - surrogate.detach() + tensor(correction, float64).to(device);
        var safeLogQ = where(keep, logQ, zeros_like(logQ));
        // Per sample and degree of freedom, like the other terms.
        return ((energyTerm + safeLogQ) * mask).sum() / (used * (3.0 * positions.shape[1] - 3));
    }

    /// <summary>
    /// w̄ᵢ ∝ exp(−uᵢ − log qᵢ), 0 for invalid samples and non-finite u or log q, the largest <paramref name="clipTop"/>
    /// fraction of log-weights capped at the next one; all zero when no sample is usable.
    /// </summary>
    public static double[] SelfNormalisedWeights(double[] reduced, double[] logQ, bool[] valid, double clipTop)
    {
        var weights = ImportanceWeights.From(reduced, logQ, valid);
        if (clipTop > 0 && weights.ZeroWeightCount < weights.Count) weights = weights.ClipTop(clipTop);
        return weights.Normalized();
    }

    /// <summary>
    /// m systematic draws in proportion to <paramref name="weights"/> (self-normalised, some positive), as each sample's
    /// count divided by m: an unbiased stand-in for the weights that is non-zero on at most m samples.
    /// </summary>
    public static double[] Resampled(double[] weights, int m, double offset)
    {
        var logWeights = weights.Select(w => w > 0 ? Math.Log(w) : double.NegativeInfinity).ToArray();
        var counts = new double[weights.Length];
        foreach (int i in SystematicResampling.Resample(logWeights, m, offset)) counts[i] += 1.0 / m;
        return counts;
    }

    private Tensor ReweightedMl(BoltzmannFlow model, Tensor latent, ScoredBatch scored, double[] logQValues, Generator generator)
    {
        var w = SelfNormalisedWeights(scored.Reduced, logQValues, scored.Valid, _config.WeightClip);
        if (_config.MlResample > 0 && w.Any(v => v > 0))
        {
            using var offset = rand(1, float64, generator.device, generator: generator); // from the step's generator: --resume replays it
            w = Resampled(w, _config.MlResample, offset.item<double>());
        }
        return WeightedNegativeLogDensity(model, latent, w);
    }

    /// <summary>−Σ wᵢ·log q(xᵢ) per degree of freedom through the density direction, xᵢ given by flow-side latents.</summary>
    private static Tensor WeightedNegativeLogDensity(BoltzmannFlow model, Tensor latent, double[] w)
    {
        // Only weighted samples enter the inverse pass: a broken one could hold values whose derivatives are
        // infinite, and a zero upstream gradient times an infinite local one is NaN.
        var used = Enumerable.Range(0, w.Length).Where(i => w[i] > 0).Select(i => (long)i).ToArray();
        if (used.Length == 0) return zeros([], float64, model.Device);
        var index = tensor(used, device: model.Device);
        var normalised = tensor(used.Select(i => w[i]).ToArray(), float64).to(model.Device);
        return -(normalised * model.LatentLogDensity(latent.index_select(0, index))).sum() / model.Dimension;
    }

    private Tensor Fab(BoltzmannFlow model, Generator generator)
    {
        var (weights, latent) = Anneal(model, generator);
        if (weights.ZeroWeightCount == weights.Count) return zeros([], float64, model.Device);
        if (_config.WeightClip > 0) weights = weights.ClipTop(_config.WeightClip);
        return WeightedNegativeLogDensity(model, latent, weights.Normalized());
    }

    private Tensor FabFromBuffer(BoltzmannFlow model, FabReplayBuffer buffer, Generator generator)
    {
        if (buffer.Count == 0 || buffer.StepsSinceAnnealing >= _config.FabEvery)
        {
            var (weights, latent) = Anneal(model, generator);
            using (no_grad())
            using (var logQ = model.LatentLogDensity(latent))
                buffer.Add(ToDoubles(latent), weights.LogWeights, ToDoubles(logQ));
            buffer.StepsSinceAnnealing = 0;
        }
        buffer.StepsSinceAnnealing++;
        if (buffer.Count == 0) return zeros([], float64, model.Device); // every particle of the annealing was broken
        var drawn = buffer.Draw(_config.FabBatch, generator);
        var rows = tensor(buffer.Latents(drawn), [drawn.Length, model.Dimension], float64).to(model.DType, model.Device);
        double[] logQNow;
        using (no_grad())
        using (var l = model.LatentLogDensity(rows)) logQNow = ToDoubles(l);
        // q_old/q: the particle was weighted towards p²/q_old; capped at 10 as in FAB, so one stale particle cannot
        // dominate. Non-finite log q gets no weight (and no differentiable pass).
        var correction = new double[drawn.Length];
        for (int k = 0; k < drawn.Length; k++)
            correction[k] = double.IsFinite(logQNow[k]) ? Math.Min(Math.Exp(buffer.LogQ(drawn[k]) - logQNow[k]), 10) / drawn.Length : 0;
        buffer.Reweight(drawn, logQNow);
        return WeightedNegativeLogDensity(model, rows, correction);
    }

    /// <summary>One AIS run towards p²/q from fab_particles prior draws: the particles' weights and data-side flow coordinates.</summary>
    private (ImportanceWeights Weights, Tensor Latent) Anneal(BoltzmannFlow model, Generator generator)
    {
        // The AIS seed comes from the step's generator, so --resume replays the same annealing.
        using var draw = rand(1, float64, generator.device, generator: generator);
        var options = new SmcOptions
        {
            Particles = _config.FabParticles, Schedule = AnnealingSchedule.Power(_config.FabSteps), Kernel = SmcKernel.Mala,
            MovesPerStep = _config.FabMoves, ResampleBelow = 0, StepSize = _config.FabStepSize,
            Seed = (ulong)(draw.item<double>() * (1L << 53)) + 1,
        };
        var annealed = SmcSampler.Run(new PoweredLatentTarget(new FlowLatentTarget(model, _target), 2), options);
        var acceptance = annealed.Steps.Select(st => st.Acceptance).Where(double.IsFinite).ToArray();
        _fabRuns++;
        _fabEssSum += annealed.EssFraction;
        _fabAcceptanceSum += acceptance.Length == 0 ? 0 : acceptance.Average();
        // The particles' flow-side coordinates (the annealing kept only z and x); zero-weight rows are dropped later.
        var z = annealed.Particles.Z;
        Tensor latent;
        using (no_grad()) (latent, _, _) = model.SampleFrom(tensor(z, [z.Length / model.Dimension, model.Dimension], float64).to(model.DType, model.Device));
        return (new ImportanceWeights(annealed.LogWeights), latent);
    }

    private void Record(ScoredBatch scored, double[] logQValues)
    {
        _batches++;
        _samples += scored.Count;
        for (int i = 0; i < scored.Count; i++)
        {
            if (!scored.Valid[i]) _invalid++;
            if (!double.IsFinite(scored.Reduced[i])) _nonFinite++;
            else if (scored.Reduced[i] > _config.EnergyCap) _capped++;
        }
        _essSum += ImportanceWeights.From(scored.Reduced, logQValues, scored.Valid).EffectiveSampleFraction;
    }

    private static double[] ToDoubles(Tensor t)
    {
        using var c = t.detach().to(float64, CPU).contiguous();
        return c.data<double>().ToArray();
    }
}
