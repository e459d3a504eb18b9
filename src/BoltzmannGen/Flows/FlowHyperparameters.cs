namespace BoltzmannGen.Flows;

/// <summary>
/// Hyperparameters of the flow architectures (<see cref="FlowArchitectures"/>). Defaults are sized for
/// D ≈ 63–123 (22–42 atoms) in flow-space units of about one (coordinates divided by the length scale).
/// </summary>
public sealed record FlowHyperparameters
{
    /// <summary>Coupling layers of resnvp and nsf (used in complementary pairs; an odd count leaves one half-pair).</summary>
    public int Layers { get; init; } = 12;

    /// <summary>Hidden width of the coupling conditioners' residual MLP.</summary>
    public int HiddenWidth { get; init; } = 256;

    /// <summary>Residual blocks (two linear layers each) per conditioner MLP.</summary>
    public int ResidualBlocks { get; init; } = 2;

    /// <summary>Bound a on affine log-scales, s = a·tanh(raw/a) (resnvp, tarflow).</summary>
    public double ScaleBound { get; init; } = 3.0;

    /// <summary>Spline bins K (nsf).</summary>
    public int Bins { get; init; } = 8;

    /// <summary>Spline interval [−B, B]; identity outside (nsf).</summary>
    public double TailBound { get; init; } = 5.0;

    public double MinBinWidth { get; init; } = 1e-3;

    public double MinBinHeight { get; init; } = 1e-3;

    public double MinDerivative { get; init; } = 1e-3;

    /// <summary>Autoregressive blocks of tarflow (token order reversed between consecutive blocks).</summary>
    public int Blocks { get; init; } = 4;

    /// <summary>Transformer width of tarflow.</summary>
    public int Channels { get; init; } = 128;

    /// <summary>Attention heads of tarflow (must divide <see cref="Channels"/>).</summary>
    public int Heads { get; init; } = 4;

    /// <summary>Transformer layers per tarflow block.</summary>
    public int TransformerLayers { get; init; } = 2;

    /// <summary>Seed of the weight initialisation and of the coupling permutations.</summary>
    public long Seed { get; init; } = 0;

    public SplineSettings Spline => new(TailBound, MinBinWidth, MinBinHeight, MinDerivative);
}
