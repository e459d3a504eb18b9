using BoltzmannGen.Data;
using BoltzmannGen.Energy;
using BoltzmannGen.Flows;
using BoltzmannGen.Optimisation;
using BoltzmannGen.Sampling;
using BoltzmannGen.Systems;
using BoltzmannGen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace BoltzmannGen.FineTuning;

/// <summary>What fine-tuning starts from and where it writes.</summary>
/// <param name="BaseModel">a trained model folder (`bgen train`)</param>
/// <param name="Out">the new model folder</param>
/// <param name="ValidationFrames">MD validation frames (n, N, 3) nm whose NLL is logged as a guard, or null</param>
/// <param name="Anchor">FORT pairs (x0, x1: (n, N, 3), normalised frame) for the fort term, or null</param>
/// <param name="Energy">OpenMM platform and threads (default: Reference, energy_threads of the config)</param>
/// <param name="TrainingFrames">MD training frames (nm) for the md_ml term, or null; those with some φ &gt; 0 are repeated
/// md_phi_positive_weight times</param>
public sealed record FineTuneRequest(string BaseModel, string Out, PeptideSystem System, FineTuneConfig Config,
                                     Tensor? ValidationFrames = null, (Tensor X0, Tensor X1)? Anchor = null, bool Resume = false,
                                     EnergyOptions? Energy = null, Frames? TrainingFrames = null);

/// <summary>How fine-tuning ended; for md_ml also the frames it drew from and how many of the MD frames have some φ &gt; 0.</summary>
public sealed record FineTuneResult(double Seconds, long EnergyEvaluations, int? KeptStep, double? KeptEss,
                                    int MdFrames = 0, int MdPhiPositiveFrames = 0);

/// <summary>
/// Continues a trained flow against the force field (`bgen finetune`): the shared <see cref="TrainingLoop"/> (AdamW,
/// warm-up + cosine, clipping, EMA, atomic checkpoints, exact resume, keep: best) around a
/// <see cref="FineTuneObjective"/>, with keep: best ranked by the ESS of a fixed validation batch. The new folder is a
/// model folder like any other (sample, logq, report use it unchanged), whose model.json also says what it was
/// fine-tuned from and how many energy evaluations that took.
/// </summary>
public static class FineTuner
{
    /// <summary>
    /// A fine-tuned model's config.yaml is its fine-tuning config, so it carries the training config of the flow it
    /// came from here: a further fine-tuning's FORT and md_ml anchors then use the pair loss the flow was trained with.
    /// </summary>
    public const string TrainingConfigFile = "training_config.yaml";

    // The training config a model was trained with: its own config.yaml for a trained flow, the carried copy for a
    // fine-tuned one (or, for folders made before the copy existed, that of the model it was fine-tuned from).
    private static TrainingConfig TrainingConfigOf(string model, ModelInfo info)
    {
        string carried = Path.Combine(model, TrainingConfigFile);
        if (File.Exists(carried)) return TrainingConfig.Load(carried, []);
        if (info.FineTunedFrom is { } parent)
            return Directory.Exists(parent)
                ? TrainingConfigOf(parent, ModelDirectory.ReadInfo(parent))
                : throw new InputException($"--model {model} was fine-tuned from {parent}, which is gone, and has no {TrainingConfigFile}: " +
                                           "its training config is unknown; fine-tune the original flow instead.");
        string own = Path.Combine(model, ModelDirectory.ConfigFile);
        return TrainingConfig.Load(File.Exists(own) ? own : null, []);
    }

    public static FineTuneResult Run(FineTuneRequest request, IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        var (config, system, dir) = (request.Config, request.System, request.Out);
        var baseInfo = ModelDirectory.ReadInfo(request.BaseModel);
        if (baseInfo.System != system.Name || baseInfo.Atoms != system.AtomCount)
            throw new InputException($"--model {request.BaseModel} is a model of {baseInfo.System} ({baseInfo.Atoms} atoms), not of {system.Name} ({system.AtomCount} atoms).");
        if (Path.GetFullPath(request.BaseModel).TrimEnd('/') == Path.GetFullPath(dir).TrimEnd('/'))
            throw new InputException($"--out {dir} is the model being fine-tuned: choose a new folder.");
        if (!request.Resume && (TrainingCheckpoint.Exists(dir) || File.Exists(Path.Combine(dir, ModelDirectory.InfoFile))))
            throw new InputException($"{dir} already holds a model or a checkpoint; continue with --resume or choose another --out.");

        var device = TorchDevices.Resolve(config.Device);
        var (model, _) = ModelDirectory.Load(request.BaseModel, device);
        var scratch = ModelDirectory.Build(baseInfo);
        scratch.to(device);
        var baseConfig = TrainingConfigOf(request.BaseModel, baseInfo);

        Directory.CreateDirectory(dir);
        TrainingFolder.WriteConfig(dir, config.ToYaml(), request.Resume);
        AtomicFile.WriteText(Path.Combine(dir, TrainingConfigFile), baseConfig.ToYaml());
        var energyOptions = request.Energy ?? new EnergyOptions { Threads = config.EnergyThreads };
        using var target = new BoltzmannTarget(system, energyOptions);
        using var anchor = request.Anchor is { } pairs ? new FortObjective(model, pairs.X0, pairs.X1, baseConfig) : null;
        var (mdFrames, phiPositive) = request.TrainingFrames is { } frames && config.MdMl > 0
            ? Analysis.PhiPositiveOversampling.Expand(frames, system.Topology, config.MdPhiPositiveWeight) : (null, 0);
        using var md = mdFrames is null ? null : MdObjective(model, mdFrames, baseConfig);
        var objective = new FineTuneObjective(target, config, anchor, md, model.Dimension);
        using var validation = new FineTuneValidation(system, model.Dimension, config.ValSamples, config.Seed, config.ValClipTop,
                                                      request.ValidationFrames?.to(float64), energyOptions);
        int startStep = request.Resume ? TrainingCheckpoint.StepOf(dir) ?? 0 : 0;
        using var log = new FineTuneLog(Path.Combine(dir, FineTuneLog.FileName), startStep);

        var settings = new LoopSettings(config.Steps, config.LearningRate, config.WarmupSteps, config.MinLearningRateFraction,
            config.WeightDecay, config.GradClip, config.EmaDecay, config.LogEvery, config.ValEvery, config.CheckpointEvery,
            config.Seed, config.ToYaml(), YamlConfig.Canonical<FineTuneConfig>, KeepBest: config.Keep == "best");
        var result = TrainingLoop.Run(dir, settings, model, scratch, g => objective.Loss(model, g), (averaged, step) =>
        {
            var v = validation.Run((BoltzmannFlow)averaged);
            log.Write(step, config.EnergyEvaluations(step, Validations(step, config)), v, objective.TakeStatistics());
            return new ValidationFigures(v.ReverseKl, v.ValNll, "val_ess", -v.Ess,
                string.Create(System.Globalization.CultureInfo.InvariantCulture, $"val ESS {100 * v.Ess:F2} % (clipped {100 * v.EssClipped:F2} %{(v.ParetoK is { } k ? ", k̂ " + k.ToString("F2", System.Globalization.CultureInfo.InvariantCulture) : "")})"));
        }, request.Resume, progress, cancellation, objective.CheckpointParts);

        long evaluations = config.EnergyEvaluations(config.Steps, Validations(config.Steps, config));
        ModelDirectory.Save(dir, baseInfo with
        {
            FineTunedFrom = Path.GetFullPath(request.BaseModel),
            FineTuneSteps = config.Steps,
            FineTuneSeconds = Math.Round(result.Seconds, 1),
            TrainingSeconds = Math.Round(baseInfo.TrainingSeconds + result.Seconds, 1),
            EnergyEvaluations = (baseInfo.EnergyEvaluations ?? 0) + evaluations,
            Objective = $"{baseInfo.Objective}+finetune",
            Weights = result.KeptStep is { } kept
                ? $"exponential moving average at fine-tuning step {kept} (highest validation ESS)"
                : "exponential moving average at the last fine-tuning step",
            KeptStep = result.KeptStep,
            KeptScore = result.Score is { } score ? Math.Round(-score, 6) : null,
        }, scratch);
        return new FineTuneResult(result.Seconds, evaluations, result.KeptStep, result.Score is { } s ? -s : null,
                                  mdFrames?.Count ?? 0, phiPositive);
    }

    /// <summary>md_ml's maximum likelihood on the MD frames, in the model's dtype (the loss needs no validation split).</summary>
    private static MleObjective MdObjective(BoltzmannFlow model, Frames frames, TrainingConfig config)
    {
        using var all = tensor(frames.Positions, [frames.Count, frames.AtomCount, 3], float64);
        return new MleObjective(model, all.to(model.DType), all[..Math.Min(2, frames.Count)].to(model.DType), config);
    }

    /// <summary>Validations the loop has run after <paramref name="step"/> steps: every val_every, and at the last step.</summary>
    public static int Validations(int step, FineTuneConfig config) =>
        step / config.ValEvery + (step == config.Steps && step % config.ValEvery != 0 ? 1 : 0);
}
