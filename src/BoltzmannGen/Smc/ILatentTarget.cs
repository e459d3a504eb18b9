namespace BoltzmannGen.Smc;

/// <summary>
/// One evaluation of a latent log-target on a batch of n latent points z (docs/design.md §6.11).
/// <para>
/// ℓ(z) = −u(x) − log q(x) with x = F(z) is the log importance weight of the sample the flow makes from z; the
/// annealing path in latent space is log π_β(z) = log N(z; 0, I) + β·ℓ(z). ℓ = −∞ marks a particle the target gives
/// zero weight (invalid conformation, non-finite energy, force or log q); its gradient is then meaningless.
/// </para>
/// </summary>
/// <param name="LogWeight">ℓ(z) per particle (n), −∞ for zero weight</param>
/// <param name="Gradient">∇_z ℓ (n·D), or null when not asked for</param>
/// <param name="Reduced">u(x) = E/k_BT per particle (n; NaN where it could not be evaluated)</param>
/// <param name="LogQ">the proposal's log q(x) per particle (n)</param>
/// <param name="Positions">x per particle, <see cref="ILatentTarget.PositionLength"/> values each</param>
public sealed record LatentBatch(double[] LogWeight, double[]? Gradient, double[] Reduced, double[] LogQ, double[] Positions)
{
    public int Count => LogWeight.Length;
}

/// <summary>
/// What the SMC sampler anneals towards: a log-density ℓ on a D-dimensional latent space whose prior is the standard
/// normal. Implemented once for a trained flow and the force field (<see cref="FlowLatentTarget"/>) and, in tests,
/// analytically (identity "flow", ℓ = −u − log N).
/// </summary>
public interface ILatentTarget
{
    /// <summary>D, the latent dimension.</summary>
    int Dimension { get; }

    /// <summary>Numbers per particle in <see cref="LatentBatch.Positions"/> (3N for a molecule).</summary>
    int PositionLength { get; }

    /// <summary>Evaluations of the target so far (one per particle and call).</summary>
    long Evaluations { get; }

    /// <param name="z">n latent points, [particle, coordinate]</param>
    /// <param name="withGradient">whether ∇ℓ is needed (every move needs it; plain reweighting does not)</param>
    LatentBatch Evaluate(double[] z, bool withGradient);
}
