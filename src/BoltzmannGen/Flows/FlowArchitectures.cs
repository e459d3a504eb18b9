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
    /// Weights are drawn from a private generator seeded with <see cref="FlowHyperparameters.Seed"/> (the same numbers
    /// the global generator gave after <c>manual_seed(Seed)</c>); torch's global random state is neither used nor
    /// changed, so models built on several threads at once, or while other threads draw, get their seeds' weights.
    /// </summary>
    public static FlowSequence Create(string name, int dimension, FlowHyperparameters? hyperparameters = null)
    {
        var h = hyperparameters ?? new FlowHyperparameters();
        string key = (name ?? "").Trim().ToLowerInvariant();
        if (!Names.Contains(key))
            throw new ArgumentException($"unknown flow architecture '{name}'; known: {string.Join(", ", Names)}", nameof(name));
        if (dimension < 2) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "need at least two coordinates");
        if (key == "tarflow" && h.Blocks < 1) throw new ArgumentOutOfRangeException(nameof(hyperparameters), h.Blocks, "tarflow needs at least one block");

        using var generator = new Generator(unchecked((ulong)h.Seed));
        return key switch
        {
            "resnvp" => new FlowSequence(dimension, CouplingSplit.Alternating(dimension, h.Layers, h.Seed)
                .Select(s => (FlowLayer)new AffineCoupling(dimension, s, h.HiddenWidth, h.ResidualBlocks, h.ScaleBound, generator)).ToArray()),
            "nsf" => new FlowSequence(dimension, CouplingSplit.Alternating(dimension, h.Layers, h.Seed)
                .Select(s => (FlowLayer)new SplineCoupling(dimension, s, h.HiddenWidth, h.ResidualBlocks, h.Bins, h.Spline, generator)).ToArray()),
            _ => new FlowSequence(dimension, Enumerable.Range(0, h.Blocks)
                .Select(b => (FlowLayer)new AutoregressiveAffineBlock(dimension, h.Channels, h.Heads, h.TransformerLayers, reverse: b % 2 == 1, h.ScaleBound, generator)).ToArray()),
        };
    }
}
