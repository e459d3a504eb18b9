namespace BoltzmannGen.Teacher.Ode;

/// <summary>
/// How a <see cref="ContinuousFlow"/> integrates. The defaults (dopri5 at 1e-5, exact divergence) are chosen for
/// likelihoods that feed importance weights; reflow target generation usually prefers a fixed-step rk4 whose cost
/// is known in advance.
/// </summary>
public sealed record CnfOptions
{
    /// <summary>Valid divergence names.</summary>
    public static readonly IReadOnlyList<string> DivergenceNames = ["exact", "hutchinson"];

    /// <summary>Valid Hutchinson probe names.</summary>
    public static readonly IReadOnlyList<string> ProbeNames = ["rademacher", "gaussian"];

    /// <summary>euler | midpoint | rk4 | dopri5.</summary>
    public string Solver { get; init; } = "dopri5";

    /// <summary>Equal steps over [0, 1] for the fixed-step solvers (ignored by dopri5).</summary>
    public int Steps { get; init; } = 20;

    /// <summary>Absolute tolerance of dopri5 (in normalised units; float32 states cannot do much better than 1e-6).</summary>
    public double Atol { get; init; } = 1e-5;

    /// <summary>Relative tolerance of dopri5.</summary>
    public double Rtol { get; init; } = 1e-5;

    /// <summary>Attempted-step budget of dopri5 before it throws <see cref="OdeStepLimitException"/>.</summary>
    public int MaxSteps { get; init; } = 10_000;

    /// <summary>exact | hutchinson (a stochastic estimate; not for importance weights).</summary>
    public string Divergence { get; init; } = "exact";

    /// <summary>
    /// Exact divergence only: bound on the rows of one replicated forward/backward pass (see
    /// <see cref="ExactDivergence"/>); lower it when memory is tight, 1 gives one backward pass per dimension.
    /// </summary>
    public int MaxRowsPerPass { get; init; } = 1024;

    /// <summary>rademacher | gaussian (Hutchinson only).</summary>
    public string Probe { get; init; } = "rademacher";

    /// <summary>Probes averaged per evaluation (Hutchinson only).</summary>
    public int Probes { get; init; } = 1;

    /// <summary>Seed of the Hutchinson probes.</summary>
    public long Seed { get; init; }

    /// <summary>Project Hutchinson probes onto the CoM-free subspace when the prior is a <see cref="MeanFreeGaussian"/>.</summary>
    public bool ProjectProbes { get; init; } = true;

    /// <summary>Checks every field and names the first bad one (ArgumentException family).</summary>
    public void Validate()
    {
        OdeSolvers.Normalise(Solver);
        if (Steps < 1) throw new ArgumentOutOfRangeException(nameof(Steps), Steps, "the number of steps must be positive");
        if (!(Atol > 0) || !double.IsFinite(Atol)) throw new ArgumentOutOfRangeException(nameof(Atol), Atol, "atol must be positive and finite");
        if (!(Rtol > 0) || !double.IsFinite(Rtol)) throw new ArgumentOutOfRangeException(nameof(Rtol), Rtol, "rtol must be positive and finite");
        if (MaxSteps < 1) throw new ArgumentOutOfRangeException(nameof(MaxSteps), MaxSteps, "maxSteps must be positive");
        ParseDivergence(Divergence);
        ParseProbe(Probe);
        if (MaxRowsPerPass < 1) throw new ArgumentOutOfRangeException(nameof(MaxRowsPerPass), MaxRowsPerPass, "need at least one row per pass");
        if (Probes < 1) throw new ArgumentOutOfRangeException(nameof(Probes), Probes, "need at least one probe");
    }

    /// <summary>The solver these options describe.</summary>
    public IOdeSolver CreateSolver() => OdeSolvers.Create(Solver, Steps, Atol, Rtol, MaxSteps);

    /// <summary>The divergence method these options describe; probes are centred over <paramref name="meanFreeAtoms"/> when given and enabled.</summary>
    public IDivergenceMethod CreateDivergence(int? meanFreeAtoms = null) =>
        ParseDivergence(Divergence) == "exact"
            ? new ExactDivergence(MaxRowsPerPass)
            : new HutchinsonDivergenceEstimate(Seed, ParseProbe(Probe), Probes, ProjectProbes ? meanFreeAtoms : null);

    private static string ParseDivergence(string name)
    {
        var n = (name ?? "").Trim().ToLowerInvariant();
        if (!DivergenceNames.Contains(n))
            throw new ArgumentException($"unknown divergence '{name}'; valid: {string.Join(", ", DivergenceNames)}", nameof(Divergence));
        return n;
    }

    private static ProbeDistribution ParseProbe(string name) =>
        (name ?? "").Trim().ToLowerInvariant() switch
        {
            "rademacher" => ProbeDistribution.Rademacher,
            "gaussian" => ProbeDistribution.Gaussian,
            _ => throw new ArgumentException($"unknown probe distribution '{name}'; valid: {string.Join(", ", ProbeNames)}", nameof(Probe)),
        };
}
