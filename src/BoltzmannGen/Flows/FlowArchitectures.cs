using static TorchSharp.torch;

namespace BoltzmannGen.Flows;

/// <summary>
/// Builds the named flow architectures over D flow-space coordinates. Every architecture starts as the
/// identity map (zero-initialised output layers), so an untrained model is the prior itself.
/// </summary>
public static class FlowArchitectures
{
    /// <summary>The known architecture names.</summary>
    public static IReadOnlyList<string> Names { get; } = ["resnvp", "nsf", "tarflow"];

    /// <summary>
    /// resnvp: affine couplings with residual-MLP conditioners; nsf: rational-quadratic spline couplings;
    /// tarflow: transformer autoregressive affine blocks over tokens of 3 (D must be a multiple of 3).
    /// Weights are drawn from a generator seeded with <see cref="FlowHyperparameters.Seed"/>; the global torch
    /// random state is restored afterwards.
    /// </summary>
    public static FlowSequence Create(string name, int dimension, FlowHyperparameters? hyperparameters = null)
    {
        var h = hyperparameters ?? new FlowHyperparameters();
        string key = (name ?? "").Trim().ToLowerInvariant();
        if (!Names.Contains(key))
            throw new ArgumentException($"unknown flow architecture '{name}'; known: {string.Join(", ", Names)}", nameof(name));
        if (dimension < 2) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "need at least two coordinates");
        if (key == "tarflow" && h.Blocks < 1) throw new ArgumentOutOfRangeException(nameof(hyperparameters), h.Blocks, "tarflow needs at least one block");

        // Module constructors draw from torch's global generator: seed it for reproducible weights, then put the
        // caller's random state back so building a model does not change later draws elsewhere.
        // One builder at a time: the global generator is process-wide, and two threads seeding and restoring it
        // at once trip libtorch's internal checks (seen in parallel tests).
        lock (GlobalGeneratorLock)
        {
            var saved = get_rng_state();
            try
            {
                manual_seed(h.Seed);
                return key switch
                {
                    "resnvp" => new FlowSequence(dimension, CouplingSplit.Alternating(dimension, h.Layers, h.Seed)
                        .Select(s => (FlowLayer)new AffineCoupling(dimension, s, h.HiddenWidth, h.ResidualBlocks, h.ScaleBound))),
                    "nsf" => new FlowSequence(dimension, CouplingSplit.Alternating(dimension, h.Layers, h.Seed)
                        .Select(s => (FlowLayer)new SplineCoupling(dimension, s, h.HiddenWidth, h.ResidualBlocks, h.Bins, h.Spline))),
                    _ => new FlowSequence(dimension, Enumerable.Range(0, h.Blocks)
                        .Select(b => (FlowLayer)new AutoregressiveAffineBlock(dimension, h.Channels, h.Heads, h.TransformerLayers, reverse: b % 2 == 1, h.ScaleBound))),
                };
            }
            finally
            {
                set_rng_state(saved);
                saved.Dispose();
            }
        }
    }

    // Guards torch's process-wide generator while a model is built (an immutable lock object, not state).
    private static readonly Lock GlobalGeneratorLock = new();
}
