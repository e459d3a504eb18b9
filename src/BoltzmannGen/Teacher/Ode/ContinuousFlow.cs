using static TorchSharp.torch;

namespace BoltzmannGen.Teacher.Ode;

/// <summary>
/// The teacher CNF as a sampler and density: dx/dt = v(x, t) from the prior at t = 0 to data at t = 1, with
/// log q(x1) = log p0(x0) − ∫₀¹ div v(x_t, t) dt (instantaneous change of variables). The divergence integral is
/// part of the ODE state, so it is advanced by the same solver stages as x.
/// </summary>
/// <remarks>
/// States keep the input's dtype (float32 by default) and device; divergences and log-densities are accumulated in
/// float64. Nothing is differentiable through a solve (outputs are detached): the CNF is trained by regressing the
/// field, and solves are for sampling, evaluation and reflow targets. Every call is batched over the rows of its
/// input; split very large batches yourself (memory is O(B·D) per stage, plus the autograd graph of up to
/// <see cref="CnfOptions.MaxRowsPerPass"/> replicated rows for exact divergences).
/// </remarks>
public sealed class ContinuousFlow
{
    private readonly IOdeSolver solver;
    private readonly IDivergenceMethod divergence;
    private long fieldEvaluations;

    public ContinuousFlow(IVelocityField field, IPriorDensity prior, CnfOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(field);
        ArgumentNullException.ThrowIfNull(prior);
        if (field.Dimension != prior.Dimension)
            throw new ArgumentException($"the field has dimension {field.Dimension} but the prior {prior.Dimension}", nameof(prior));
        Options = options ?? new CnfOptions();
        Options.Validate();
        Field = field;
        Prior = prior;
        solver = Options.CreateSolver();
        divergence = Options.CreateDivergence(prior is MeanFreeGaussian mf ? mf.Atoms : null);
    }

    public IVelocityField Field { get; }
    public IPriorDensity Prior { get; }
    public CnfOptions Options { get; }

    /// <summary>The solver in use (built from <see cref="Options"/>).</summary>
    public IOdeSolver Solver => solver;

    /// <summary>The divergence method in use; check <see cref="IDivergenceMethod.IsStochastic"/> before trusting log q for weights.</summary>
    public IDivergenceMethod Divergence => divergence;

    /// <summary>Calls of the velocity field since construction or <see cref="ResetCounters"/> (one per solver stage, whatever the batch size).</summary>
    public long FieldEvaluations => Interlocked.Read(ref fieldEvaluations);

    /// <summary>Steps, rejections and evaluations of the most recent solve (null before the first).</summary>
    public OdeSolveStatistics? LastSolve { get; private set; }

    public void ResetCounters()
    {
        Interlocked.Exchange(ref fieldEvaluations, 0);
        LastSolve = null;
    }

    /// <summary>Draws n prior samples and pushes them to data: (x1 (n, D), log q(x1) (n) float64).</summary>
    public (Tensor X1, Tensor LogQ) Sample(int n, Generator? generator = null, Device? device = null, ScalarType dtype = ScalarType.Float32)
    {
        using var scope = NewDisposeScope();
        var x0 = Prior.Sample(n, generator, device, dtype);
        var (x1, logQ) = Sample(x0);
        return scope.MoveToOuter(x1, logQ);
    }

    /// <summary>Forward solve 0 → 1 with divergence: (x1, log q(x1) = log p0(x0) − ∫₀¹ div v dt) for given prior draws x0 (B, D).</summary>
    public (Tensor X1, Tensor LogQ) Sample(Tensor x0)
    {
        using var scope = NewDisposeScope();
        var (x1, integral) = Solve(x0, 0.0, 1.0, withDivergence: true);
        var logQ = Prior.LogProb(x0) - integral!;
        return scope.MoveToOuter(x1, logQ);
    }

    /// <summary>
    /// Backward solve 1 → 0 with divergence: the prior point x0 of each data point x1 (B, D) and log q(x1) =
    /// log p0(x0) + ∫₁⁰ div v dt (float64).
    /// </summary>
    public (Tensor X0, Tensor LogQ) Invert(Tensor x1)
    {
        using var scope = NewDisposeScope();
        var (x0, integral) = Solve(x1, 1.0, 0.0, withDivergence: true);
        var logQ = Prior.LogProb(x0) + integral!;
        return scope.MoveToOuter(x0, logQ);
    }

    /// <summary>log q(x1) (B) in float64, by a backward solve (see <see cref="Invert"/>).</summary>
    public Tensor LogLikelihood(Tensor x1)
    {
        using var scope = NewDisposeScope();
        var (_, logQ) = Invert(x1);
        return scope.MoveToOuter(logQ);
    }

    /// <summary>
    /// x1 = Φ(x0) without divergence and without autograd: one field evaluation per stage instead of D + 1 passes.
    /// This is what reflow pairs (x0, x1) are made of.
    /// </summary>
    public Tensor Transport(Tensor x0)
    {
        using var scope = NewDisposeScope();
        var (x1, _) = Solve(x0, 0.0, 1.0, withDivergence: false);
        return scope.MoveToOuter(x1);
    }

    /// <summary>x0 = Φ⁻¹(x1) without divergence (backward solve 1 → 0), e.g. to encode data into the prior.</summary>
    public Tensor InverseTransport(Tensor x1)
    {
        using var scope = NewDisposeScope();
        var (x0, _) = Solve(x1, 1.0, 0.0, withDivergence: false);
        return scope.MoveToOuter(x0);
    }

    /// <summary>
    /// The general solve from t0 to t1 (either direction, any sub-interval of [0, 1]): the end state and, with
    /// <paramref name="withDivergence"/>, ∫_{t0}^{t1} div v(x_t, t) dt per sample in float64 (null otherwise).
    /// </summary>
    public (Tensor X, Tensor? DivergenceIntegral) Solve(Tensor x, double t0, double t1, bool withDivergence)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.dim() != 2 || x.shape[1] != Field.Dimension)
            throw new ArgumentException($"expected shape (batch, {Field.Dimension}), got ({string.Join(", ", x.shape)})", nameof(x));
        if (!x.is_floating_point())
            throw new ArgumentException($"expected a floating-point tensor, got {x.dtype}", nameof(x));
        if (!(t0 is >= 0 and <= 1) || !(t1 is >= 0 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(t0), $"times must lie in [0, 1], got {t0} → {t1}");

        using var scope = NewDisposeScope();
        var state = x.detach();
        OdeSolution solution;
        if (withDivergence)
        {
            var bound = divergence.Bind(Field, state);
            var accumulated = zeros(x.shape[0], dtype: float64, device: x.device);
            solution = solver.Integrate((t, s) =>
            {
                Interlocked.Increment(ref fieldEvaluations);
                var (v, div) = bound(s[0], Times(s[0], t));
                return [v, div];
            }, [state, accumulated], t0, t1);
        }
        else
        {
            solution = solver.Integrate((t, s) =>
            {
                Interlocked.Increment(ref fieldEvaluations);
                using var noGrad = no_grad();
                var v = Field.Velocity(s[0], Times(s[0], t));
                if (!v.shape.SequenceEqual(s[0].shape))
                    throw new InvalidOperationException(
                        $"{Field.GetType().Name}.Velocity returned shape ({string.Join(", ", v.shape)}) for input ({string.Join(", ", s[0].shape)})");
                return [v.detach()];
            }, [state], t0, t1);
        }
        LastSolve = new OdeSolveStatistics(solver.Name, solution.Steps, solution.RejectedSteps, solution.Evaluations);
        var end = solution.State;
        return withDivergence ? scope.MoveToOuter(end[0], end[1]) : (scope.MoveToOuter(end[0]), null);
    }

    private static Tensor Times(Tensor x, double t) => full(x.shape[0], t, dtype: x.dtype, device: x.device);
}

/// <summary>What one solve cost, for logs and benchmarks.</summary>
public sealed record OdeSolveStatistics(string Solver, int Steps, int RejectedSteps, int Evaluations);
