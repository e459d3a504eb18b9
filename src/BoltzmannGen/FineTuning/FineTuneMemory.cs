using System.Globalization;
using BoltzmannGen.Flows;
using BoltzmannGen.Sampling;
using BoltzmannGen.Smc;

namespace BoltzmannGen.FineTuning;

/// <summary>
/// Whether a fine-tuning step fits in memory, checked before anything is written (issue 20: a batch nobody bounded
/// grew until the kernel's OOM killer took the process and other jobs with it). A step keeps, for every sample of the
/// batch, the activations of one differentiable pass of the flow per term: the sampling direction for reverse_kl, the
/// density direction for reweighted_ml (every sample of the batch, or ml_resample of them), the sampling direction for the fort anchor's
/// fort_batch_size pairs; both directions for the fab term's AIS particles; and the validation batch's positions and energies.
/// <para>
/// The activations are estimated from the architecture (<see cref="ActivationsPerPass"/>: hidden and spline or
/// affine widths per coupling layer; token × channel widths per transformer layer, times tokens/3 for tarflow's
/// sequential density direction) at <see cref="BytesPerActivation"/> bytes each. Measured on aldp (22 atoms, peak RSS
/// slope between batch 256 and 2048, 2026-12-06): nsf (8 layers, hidden 256, 8 bins) 196 KB a sample sampling
/// differentiably, 114 KB in the density direction (estimate 306 KB); resnvp 124 / 118 KB (estimate 160 KB); tarflow
/// (4 blocks, 128 channels, 2 layers) 1.75 MB sampling (estimate 4.5 MB), 11 MB in the density direction (estimate
/// 31 MB; train's tarflow note says ≈40 MB). The estimate errs on the side of refusing.
/// </para>
/// </summary>
public static class FineTuneMemory
{
    /// <summary>Bytes per activation unit of <see cref="ActivationsPerPass"/> (float32 values and autograd's copies).</summary>
    public const double BytesPerActivation = 12;

    /// <summary>Activation units one sample keeps in one differentiable pass of the flow.</summary>
    /// <param name="density">the density direction (log q of given x) rather than the sampling direction</param>
    public static double ActivationsPerPass(string arch, FlowHyperparameters h, int atoms, bool density)
    {
        double d = 3.0 * atoms;
        switch (arch)
        {
            case "tarflow":
            {
                double tokens = Math.Max(1, atoms - 1);
                double parallel = (double)h.Blocks * Math.Max(1, h.TransformerLayers) * tokens * (16.0 * h.Channels + 2.0 * h.Heads * tokens);
                return density ? parallel * Math.Max(1, tokens / 3) : parallel; // the density direction is sequential over tokens
            }
            case "nsf":
                return (double)h.Layers * (h.HiddenWidth * (2.0 + 2 * h.ResidualBlocks) + d * (3.0 * h.Bins + 1));
            default: // resnvp and other coupling flows: an affine scale and shift per coordinate
                return (double)h.Layers * (h.HiddenWidth * (2.0 + 2 * h.ResidualBlocks) + 2 * d);
        }
    }

    /// <summary>Estimated bytes of one fine-tuning step with <paramref name="config"/> on a flow of this architecture.</summary>
    public static double StepBytes(FineTuneConfig config, string arch, FlowHyperparameters h, int atoms) =>
        config.BatchSize * SampleBytes(config, arch, h, atoms) + FixedBytes(config, arch, h, atoms);

    /// <summary>Bytes a step keeps per sample of batch_size: the passes its objective terms differentiate through.</summary>
    public static double SampleBytes(FineTuneConfig config, string arch, FlowHyperparameters h, int atoms)
    {
        double units = (config.ReverseKl > 0 ? ActivationsPerPass(arch, h, atoms, density: false) : 0)
                       + (config.ReweightedMl > 0 && config.MlResample == 0 ? ActivationsPerPass(arch, h, atoms, density: true) : 0);
        // Positions, forces and their double copies for the energies.
        return units * BytesPerActivation + 4.0 * 3 * atoms * sizeof(double);
    }

    /// <summary>Bytes that do not grow with batch_size: the anchors' batches, ml_resample's draws and the validation batch.</summary>
    private static double FixedBytes(FineTuneConfig config, string arch, FlowHyperparameters h, int atoms) =>
        (config.MlResample > 0 ? Math.Min(config.MlResample, config.BatchSize) * ActivationsPerPass(arch, h, atoms, density: true) * BytesPerActivation : 0)
        + (config.Fort > 0 ? config.FortBatchSize * ActivationsPerPass(arch, h, atoms, density: false) * BytesPerActivation : 0)
        + (config.MdMl > 0 ? config.MdBatchSize * ActivationsPerPass(arch, h, atoms, density: true) * BytesPerActivation : 0)
        + (config.Fab > 0 ? FabBytes(config, arch, h, atoms) : 0)
        + 4.0 * config.ValSamples * SampleSizeLimits.Bytes(1, atoms) * 2;

    /// <summary>
    /// The fab term: its AIS differentiates the sampling direction for ∇_z (in chunks of the latent target's default size), then the loss the density direction for every particle
    /// (with a replay buffer: for fab_batch drawn particles, and the buffer's coordinates, weights and log q).
    /// </summary>
    private static double FabBytes(FineTuneConfig config, string arch, FlowHyperparameters h, int atoms) =>
        (Math.Min(config.FabParticles, FlowLatentTarget.DefaultChunk) * ActivationsPerPass(arch, h, atoms, density: false)
         + (config.FabBuffer > 0 ? config.FabBatch : config.FabParticles) * ActivationsPerPass(arch, h, atoms, density: true)) * BytesPerActivation
        + (double)config.FabBuffer * (3 * atoms + 2) * sizeof(double);

    /// <summary>
    /// Refuses a fine-tuning config whose step cannot fit in this machine's memory, naming batch_size (with
    /// <paramref name="keyPrefix"/>, "finetune." in a run config) and the largest batch that fits.
    /// </summary>
    /// <param name="availableBytes">memory the process may use (default: what the GC reports: RAM or the container's limit)</param>
    public static void Check(FineTuneConfig config, string arch, FlowHyperparameters h, int atoms, string system = "",
                             string keyPrefix = "", long? availableBytes = null)
    {
        long available = availableBytes ?? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (available <= 0) return;
        double needed = StepBytes(config, arch, h, atoms);
        if (needed <= available) return;
        var ci = CultureInfo.InvariantCulture;
        string of = system.Length > 0 ? $"{arch} on {system} ({atoms} atoms)" : $"{arch} ({atoms} atoms)";
        double perSample = SampleBytes(config, arch, h, atoms);
        long fits = (long)Math.Floor((available - FixedBytes(config, arch, h, atoms)) / perSample);
        string key = keyPrefix + "batch_size";
        string advice = fits >= 2
            ? string.Create(ci, $"{key} can be at most about {fits} here")
            : $"even {key}=2 does not fit: lower {keyPrefix}val_samples" + (config.Fort > 0 ? $" or {keyPrefix}fort_batch_size" : "") + (config.MdMl > 0 ? $" or {keyPrefix}md_batch_size" : "") + ", or use a smaller flow";
        throw new InputException(string.Create(ci,
            $"{key} {config.BatchSize} needs about {needed / 1e9:F1} GB per fine-tuning step for {of} ({perSample / 1e6:F2} MB a sample), more than the {available / 1e9:F1} GB of memory available; {advice}."));
    }
}
