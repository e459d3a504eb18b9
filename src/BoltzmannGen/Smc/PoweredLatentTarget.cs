namespace BoltzmannGen.Smc;

/// <summary>
/// A latent target with exp(ℓ) raised to the power α: ℓ' = α·ℓ and ∇ℓ' = α·∇ℓ, so an annealing path ends at
/// p0·exp(α·ℓ) instead of p0·exp(ℓ). For a flow's target (ℓ = log w = −u − log q) the end point with α = 2 is
/// p²/q in configuration space: the density FAB anneals towards (Midgley et al. 2023), because the α = 2 divergence
/// ∫p²/q is the variance of the importance weights, and its samples sit where q is too small for p (docs/design.md §6.10).
/// </summary>
public sealed class PoweredLatentTarget : ILatentTarget
{
    private readonly ILatentTarget _inner;
    private readonly double _power;

    public PoweredLatentTarget(ILatentTarget inner, double power)
    {
        if (!(power > 0) || !double.IsFinite(power)) throw new ArgumentOutOfRangeException(nameof(power), power, "the power must be positive and finite.");
        _inner = inner;
        _power = power;
    }

    public int Dimension => _inner.Dimension;
    public int PositionLength => _inner.PositionLength;
    public long Evaluations => _inner.Evaluations;

    public LatentBatch Evaluate(double[] z, bool withGradient)
    {
        var batch = _inner.Evaluate(z, withGradient);
        // −∞ (zero weight) stays −∞ for a positive power; the dead rows' gradients are zero and stay so.
        return batch with
        {
            LogWeight = Array.ConvertAll(batch.LogWeight, l => _power * l),
            Gradient = batch.Gradient is null ? null : Array.ConvertAll(batch.Gradient, g => _power * g),
        };
    }
}
