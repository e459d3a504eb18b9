namespace BoltzmannGen.Teacher.Networks;

/// <summary>
/// Size of the teacher's velocity networks (<see cref="VelocityNetworks"/>). Defaults are small enough to train on
/// two CPU cores: EGNN 4 layers × 64 (≈ 90 k weights) and an MLP with 4 hidden layers of 64.
/// Memory of an EGNN step grows as B·N²·Hidden floats per tensor (B = 64, N = 42, H = 64: 29 MB each, a few
/// per layer kept for the backward pass), so EGNN batches for al4 should stay ≲ 64.
/// </summary>
public sealed record VelocityHyperparameters
{
    /// <summary>EGNN: message-passing layers. MLP: hidden layers.</summary>
    public int Layers { get; init; } = 4;

    /// <summary>Hidden width (EGNN node/edge features, MLP hidden units).</summary>
    public int Hidden { get; init; } = 64;

    /// <summary>Fourier features of t (sin and cos of TimeEmbedding/2 frequencies; even, ≥ 2).</summary>
    public int TimeEmbedding { get; init; } = 32;

    /// <summary>Highest time frequency (cycles per unit t); frequencies are geometric from 0.5 to this.</summary>
    public double MaxTimeFrequency { get; init; } = 50;

    /// <summary>EGNN: use the topology's bonded / angle-partner edge attributes in the messages.</summary>
    public bool BondEdges { get; init; } = true;

    /// <summary>EGNN: bound b of the per-edge coordinate weights, w = b·tanh(raw/b); 0 = unbounded.</summary>
    public double CoordinateBound { get; init; } = 10;

    /// <summary>Seed of the weight initialisation (torch's global generator is never used).</summary>
    public long Seed { get; init; } = 0;

    internal void Validate()
    {
        if (Layers < 1) throw new ArgumentOutOfRangeException(nameof(Layers), Layers, "need at least one layer");
        if (Hidden < 1) throw new ArgumentOutOfRangeException(nameof(Hidden), Hidden, "need a positive hidden width");
        if (TimeEmbedding < 2 || TimeEmbedding % 2 != 0)
            throw new ArgumentOutOfRangeException(nameof(TimeEmbedding), TimeEmbedding, "the time embedding size must be even and ≥ 2");
        if (!(MaxTimeFrequency >= 0.5) || double.IsInfinity(MaxTimeFrequency))
            throw new ArgumentOutOfRangeException(nameof(MaxTimeFrequency), MaxTimeFrequency, "must be finite and ≥ 0.5");
        if (!(CoordinateBound >= 0) || double.IsInfinity(CoordinateBound))
            throw new ArgumentOutOfRangeException(nameof(CoordinateBound), CoordinateBound, "must be finite and ≥ 0 (0 = unbounded)");
    }
}
