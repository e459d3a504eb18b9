using System.Globalization;
using BoltzmannGen.Optimisation;
using YamlDotNet.Serialization;

namespace BoltzmannGen.FineTuning;

/// <summary>
/// Every knob of `bgen finetune` (configs/finetune.yaml; snake_case keys, `key=value` overrides). The objective is a
/// weighted sum: reverse_kl·KL(q‖p) + reweighted_ml·(−Σ w̄ log q) + fort·(FORT pair loss) + md_ml·(−log q of MD frames) +
/// fab·(−Σ w̄_AIS log q towards p²/q); a weight of 0 turns a term off.
/// </summary>
public sealed record FineTuneConfig
{
    /// <summary>`bgen run` only: whether its finetune stage runs (`bgen finetune` itself ignores it).</summary>
    public bool Enabled { get; init; }

    /// <summary>Weight of the reverse KL E_z[u(f(z)) + log q(f(z))] (gradients through the forces and the exact log-det).</summary>
    public double ReverseKl { get; init; } = 0.0;
    /// <summary>Weight of the mass-covering term −Σ w̄·log q(x) on the batch's own draws, w̄ self-normalised importance weights.</summary>
    public double ReweightedMl { get; init; } = 1.0;
    /// <summary>Weight of the FORT anchor (regression onto the teacher's pairs; needs --targets).</summary>
    public double Fort { get; init; } = 0.0;
    /// <summary>
    /// Weight of maximum likelihood on the MD training frames (needs --data): exact samples of the target, so it holds
    /// every basin MD visited at its MD weight, rare ones included, which reweighted ML on the flow's own draws does not.
    /// Written only when set (like <see cref="MdBatchSize"/>), so configs that do not use it keep the text, and `bgen
    /// run` stage hashes, they had before the key existed.
    /// </summary>
    [YamlMember(DefaultValuesHandling = DefaultValuesHandling.OmitDefaults)]
    public double MdMl { get; init; } = 0.0;
    /// <summary>
    /// Whether md_ml also fits the frames of the dataset's pooled independent runs (extra.npy, added by `bgen pool`),
    /// not only its training split. More independent seeds put rare basins nearer their pooled weight: al4's seed 31
    /// alone has φ2&gt;0 at 2.1 %, the pooled reference 2.65 %. Written only when set.
    /// </summary>
    [YamlMember(DefaultValuesHandling = DefaultValuesHandling.OmitDefaults)]
    public bool MdPooledRuns { get; init; }
    /// <summary>
    /// md_ml's frames with some backbone φ &gt; 0 (the rare left-handed basins) appear this many times among the frames
    /// it draws from (1 = MD's populations; <see cref="Analysis.PhiPositiveOversampling"/>). A proposal that puts too
    /// little mass where the target has some gives weights without bound there; too much only costs a few samples.
    /// On al4, 4 brought the flow's φ &gt; 0 share from half of MD's to MD's, but not its ESS (docs/results.md), so the
    /// presets leave it at 1. Written only when set.
    /// </summary>
    [YamlMember(DefaultValuesHandling = DefaultValuesHandling.OmitDefaults), System.ComponentModel.DefaultValue(1)]
    public int MdPhiPositiveWeight { get; init; } = 1;

    /// <summary>
    /// reweighted_ml by resampling: 0 passes every sample of the batch through the density direction, weighted by w̄;
    /// m &gt; 0 draws m of them by systematic resampling in proportion to w̄ and averages −log q over those, the same
    /// gradient in expectation. When a few samples hold the weight (al4: ESS ≈ 2 % of a batch), the differentiable
    /// pass is then spent on them, and batch_size (energy draws, no-gradient passes) can grow at the same cost per
    /// step. Written only when set.
    /// </summary>
    [YamlMember(DefaultValuesHandling = DefaultValuesHandling.OmitDefaults)]
    public int MlResample { get; init; }

    /// <summary>
    /// Weight of FAB's α = 2 term (Midgley et al. 2023): annealed importance sampling from q towards p²/q in the flow's
    /// latent space (fab_particles particles, fab_steps βs, fab_moves MALA sweeps each), then −Σ w̄·log q over the
    /// particles with their AIS weights. ∫p²/q is the second moment of the importance weights, so this term works on
    /// the draws whose weights are largest: the far tail that sets the unclipped ESS. Written only when set.
    /// </summary>
    [YamlMember(DefaultValuesHandling = DefaultValuesHandling.OmitDefaults)]
    public double Fab { get; init; }
    /// <summary>AIS particles per step of the fab term (each costs 1 + fab_steps·fab_moves energy-and-force evaluations).</summary>
    [YamlMember(DefaultValuesHandling = DefaultValuesHandling.OmitDefaults), System.ComponentModel.DefaultValue(256)]
    public int FabParticles { get; init; } = 256;
    /// <summary>Intermediate densities of the fab term's AIS (β_k = (k/K)², as `bgen smc`'s power schedule).</summary>
    [YamlMember(DefaultValuesHandling = DefaultValuesHandling.OmitDefaults), System.ComponentModel.DefaultValue(8)]
    public int FabSteps { get; init; } = 8;
    /// <summary>MALA sweeps at each β of the fab term's AIS.</summary>
    [YamlMember(DefaultValuesHandling = DefaultValuesHandling.OmitDefaults), System.ComponentModel.DefaultValue(1)]
    public int FabMoves { get; init; } = 1;
    /// <summary>The fab term's initial MALA step ε in latent units (adapted within each AIS run towards 57 % acceptance).</summary>
    [YamlMember(DefaultValuesHandling = DefaultValuesHandling.OmitDefaults), System.ComponentModel.DefaultValue(0.05)]
    public double FabStepSize { get; init; } = 0.05;
    /// <summary>
    /// FAB's prioritised replay buffer, in particles (0: none, each step fits its own annealing's particles). With a
    /// buffer, each step draws fab_batch particles from it in proportion to their weights, and a new annealing is added
    /// every fab_every steps, so several gradient steps share one annealing (<see cref="FabReplayBuffer"/>).
    /// </summary>
    [YamlMember(DefaultValuesHandling = DefaultValuesHandling.OmitDefaults)]
    public int FabBuffer { get; init; }
    /// <summary>Steps per annealing when the fab term has a buffer (the first step always anneals).</summary>
    [YamlMember(DefaultValuesHandling = DefaultValuesHandling.OmitDefaults), System.ComponentModel.DefaultValue(1)]
    public int FabEvery { get; init; } = 1;
    /// <summary>Particles drawn from the fab term's buffer per step (fewer while it holds fewer).</summary>
    [YamlMember(DefaultValuesHandling = DefaultValuesHandling.OmitDefaults), System.ComponentModel.DefaultValue(256)]
    public int FabBatch { get; init; } = 256;

    public int Steps { get; init; } = 2000;
    /// <summary>Flow samples per step: each costs one energy-and-force evaluation.</summary>
    public int BatchSize { get; init; } = 256;
    /// <summary>FORT anchor pairs per step.</summary>
    public int FortBatchSize { get; init; } = 256;
    /// <summary>MD training frames per step of the md_ml term.</summary>
    [YamlMember(DefaultValuesHandling = DefaultValuesHandling.OmitDefaults), System.ComponentModel.DefaultValue(256)]
    public int MdBatchSize { get; init; } = 256;
    public double LearningRate { get; init; } = 3e-4;
    public double MinLearningRateFraction { get; init; } = 0.1;
    public double WeightDecay { get; init; } = 0.0;
    public int WarmupSteps { get; init; } = 100;
    public double GradClip { get; init; } = 10.0;
    public double EmaDecay { get; init; } = 0.99;
    public int LogEvery { get; init; } = 10;
    public int ValEvery { get; init; } = 100;
    public int CheckpointEvery { get; init; } = 100;
    public int Seed { get; init; } = 1;
    /// <summary>best: the averaged weights of the validation with the highest ESS; last: those of the final step.</summary>
    public string Keep { get; init; } = "best";
    public string Device { get; init; } = "auto";

    /// <summary>Reduced energy above which the loss sees c + log(1 + u − c) instead of u (smooth, same slope at c).</summary>
    public double EnergyCap { get; init; } = 1000.0;
    /// <summary>Fraction of the largest log-weights of a batch capped at the next one before self-normalising (reweighted_ml).</summary>
    public double WeightClip { get; init; } = 0.01;
    /// <summary>Flow samples of the fixed validation batch whose ESS keep: best ranks by.</summary>
    public int ValSamples { get; init; } = 4096;
    /// <summary>Fraction of the top log-weights clipped for the second ESS figure (published benchmarks drop the top 0.2 %).</summary>
    public double ValClipTop { get; init; } = 0.002;
    /// <summary>OpenMM worker threads for the energies (0: one per core).</summary>
    public int EnergyThreads { get; init; } = 0;

    public string ToYaml() => YamlConfig.ToYaml(this);

    public static FineTuneConfig Load(string? path, IEnumerable<string> overrides)
    {
        var config = YamlConfig.Load<FineTuneConfig>(path, overrides, "fine-tuning config");
        config.Validate();
        return config;
    }

    public void Validate()
    {
        static string F(double v) => v.ToString(CultureInfo.InvariantCulture);
        if (ReverseKl < 0 || ReweightedMl < 0 || Fort < 0 || MdMl < 0 || Fab < 0)
            throw new InputException("reverse_kl, reweighted_ml, fort, md_ml and fab are weights: none may be negative.");
        if (ReverseKl + ReweightedMl + Fort + MdMl + Fab <= 0)
            throw new InputException("every objective weight is zero (reverse_kl, reweighted_ml, fort, md_ml, fab): give at least one a positive weight.");
        if (MdPooledRuns && MdMl <= 0) throw new InputException("md_pooled_runs=true adds frames to the md_ml term: give md_ml a positive weight too.");
        if (MdPhiPositiveWeight is < 1 or > 1000) throw new InputException($"md_phi_positive_weight must be between 1 (MD's populations) and 1000 (got {MdPhiPositiveWeight}).");
        if (MdPhiPositiveWeight > 1 && MdMl <= 0) throw new InputException("md_phi_positive_weight reweights the md_ml term's frames: give md_ml a positive weight too.");
        if (MlResample is < 0 or > 65536) throw new InputException($"ml_resample must be between 0 (weight every sample) and 65536 (got {MlResample}).");
        if (MlResample > 0 && ReweightedMl <= 0) throw new InputException("ml_resample resamples the reweighted_ml term: give reweighted_ml a positive weight too.");
        if (FabParticles is < 2 or > 65536) throw new InputException($"fab_particles must be between 2 and 65536 (got {FabParticles}).");
        if (FabSteps is < 1 or > 1000) throw new InputException($"fab_steps must be between 1 and 1000 (got {FabSteps}).");
        if (FabMoves is < 1 or > 100) throw new InputException($"fab_moves must be between 1 and 100 (got {FabMoves}).");
        if (!(FabStepSize > 0) || !double.IsFinite(FabStepSize)) throw new InputException($"fab_step_size must be positive (got {F(FabStepSize)}).");
        if (FabBuffer != 0 && (FabBuffer < FabParticles || FabBuffer > 10_000_000))
            throw new InputException($"fab_buffer must be 0 (no buffer) or hold one annealing's fab_particles ({FabParticles}) up to 10,000,000 (got {FabBuffer}).");
        if (FabEvery is < 1 or > 10_000) throw new InputException($"fab_every must be between 1 and 10,000 (got {FabEvery}).");
        if (FabEvery > 1 && FabBuffer == 0) throw new InputException("fab_every > 1 reuses annealings through the replay buffer: give fab_buffer a size too.");
        if (FabBatch is < 1 or > 65536) throw new InputException($"fab_batch must be between 1 and 65536 (got {FabBatch}).");
        if (FabBuffer > 0 && Fab <= 0) throw new InputException("fab_buffer keeps the fab term's particles: give fab a positive weight too.");
        if (Steps < 1) throw new InputException($"steps must be at least 1 (got {Steps}).");
        if (BatchSize is < 2 or > 65536) throw new InputException($"batch_size must be between 2 and 65536 (got {BatchSize}).");
        if (FortBatchSize is < 1 or > 65536) throw new InputException($"fort_batch_size must be between 1 and 65536 (got {FortBatchSize}).");
        if (MdBatchSize is < 1 or > 65536) throw new InputException($"md_batch_size must be between 1 and 65536 (got {MdBatchSize}).");
        if (!(LearningRate > 0)) throw new InputException($"learning_rate must be positive (got {F(LearningRate)}).");
        if (MinLearningRateFraction is < 0 or > 1) throw new InputException($"min_learning_rate_fraction must be in [0, 1] (got {F(MinLearningRateFraction)}).");
        if (WarmupSteps < 0) throw new InputException($"warmup_steps must not be negative (got {WarmupSteps}).");
        if (!(GradClip > 0)) throw new InputException($"grad_clip must be positive (got {F(GradClip)}).");
        if (EmaDecay is < 0 or >= 1) throw new InputException($"ema_decay must be in [0, 1) (got {F(EmaDecay)}).");
        if (LogEvery < 1 || ValEvery < 1 || CheckpointEvery < 1) throw new InputException("log_every, val_every and checkpoint_every must be at least 1.");
        if (Keep is not ("best" or "last")) throw new InputException($"keep '{Keep}' is unknown; use best or last.");
        if (!double.IsFinite(EnergyCap)) throw new InputException($"energy_cap must be a finite reduced energy (got {F(EnergyCap)}).");
        if (WeightClip is < 0 or >= 1) throw new InputException($"weight_clip must be in [0, 1) (got {F(WeightClip)}).");
        if (ValSamples is < 10 or > 1_000_000) throw new InputException($"val_samples must be between 10 and 1,000,000 (got {ValSamples}).");
        if (ValClipTop is < 0 or >= 1) throw new InputException($"val_clip_top must be in [0, 1) (got {F(ValClipTop)}).");
        if (Energy.EnergyOptions.ThreadsProblem(EnergyThreads, "energy_threads", zeroMeansPerCore: true) is { } threads) throw new InputException(threads);
    }

    /// <summary>
    /// Energy-and-force evaluations spent after <paramref name="steps"/> steps and <paramref name="validations"/>
    /// validations. The fab term's AIS is counted as proposed: a particle with zero weight is not moved, so its share
    /// is an upper bound.
    /// </summary>
    public long EnergyEvaluations(int steps, int validations) =>
        (long)steps * BatchSize + FabAnnealings(steps) * FabEvaluationsPerAnnealing() + (long)validations * ValSamples;

    /// <summary>Evaluations of one AIS run of the fab term: every particle once at β = 0, then fab_moves sweeps per β.</summary>
    public long FabEvaluationsPerAnnealing() => Fab > 0 ? (long)FabParticles * (1 + (long)FabSteps * FabMoves) : 0;

    /// <summary>AIS runs of the fab term in the first <paramref name="steps"/> steps: at steps 1, 1 + fab_every, ….</summary>
    public long FabAnnealings(int steps) => Fab > 0 ? (steps + FabEvery - 1) / FabEvery : 0;
}
