using TorchSharp;
using static TorchSharp.torch;

namespace BoltzmannGen.Teacher.Ode;

/// <summary>v(x, t) and div_x v(x, t) at one point of a solve: velocity in x's dtype, divergence (B) in float64.</summary>
public delegate (Tensor Velocity, Tensor Divergence) VelocityWithDivergence(Tensor x, Tensor t);

/// <summary>
/// How the divergence of a velocity field is obtained during a likelihood solve. Bound once per solve, because a
/// stochastic estimator must keep its probe vectors fixed for the whole trajectory: an adaptive solver needs one
/// smooth ODE, and the log-likelihood is then an unbiased estimate per solve.
/// </summary>
public interface IDivergenceMethod
{
    /// <summary>The option name (exact, hutchinson).</summary>
    string Name { get; }

    /// <summary>True when the divergence is a random estimate rather than the trace of the Jacobian.</summary>
    bool IsStochastic { get; }

    /// <summary>
    /// Prepares the evaluation for one solve starting at <paramref name="x"/> (B, D); any probes are allocated in the
    /// current dispose scope and must outlive the solve.
    /// </summary>
    VelocityWithDivergence Bind(IVelocityField field, Tensor x);
}

/// <summary>Shared plumbing: gradients of v with respect to a fresh leaf copy of x, whatever the caller's grad mode.</summary>
internal static class DivergenceSupport
{
    public static (Tensor Leaf, Tensor Velocity) Forward(IVelocityField field, Tensor x, Tensor t)
    {
        var leaf = x.detach().requires_grad_(true);
        var v = field.Velocity(leaf, t);
        if (!v.shape.SequenceEqual(x.shape))
            throw new InvalidOperationException(
                $"{field.GetType().Name}.Velocity returned shape ({string.Join(", ", v.shape)}) for input ({string.Join(", ", x.shape)})");
        return (leaf, v);
    }

    /// <summary>uᵀ ∂v/∂x per sample, i.e. the vector–Jacobian product; zero where v does not depend on x.</summary>
    public static Tensor VectorJacobian(Tensor v, Tensor leaf, Tensor u, bool retainGraph)
    {
        if (!v.requires_grad) return zeros_like(leaf);
        var g = autograd.grad([v], [leaf], [u], retain_graph: retainGraph, allow_unused: true)[0];
        return g is null || g.IsInvalid ? zeros_like(leaf) : g;
    }
}

/// <summary>
/// The exact divergence tr(∂v/∂x) from D vector–Jacobian products with one-hot cotangents e_i, one per
/// dimension. Exactness is what makes teacher likelihoods usable as importance-sampling proposals.
/// </summary>
/// <remarks>
/// Reverse-mode calls on small tensors are dominated by per-call overhead (and, on a loaded machine, by thread
/// hand-offs in the autograd engine), so several dimensions are handled per call: the batch is replicated k times,
/// replica j gets the cotangent e_i for its own dimension i, and one forward and one backward pass give k diagonal
/// entries per sample. k is the largest value with k·B ≤ <see cref="MaxRowsPerPass"/>, which bounds the memory of
/// the replicated pass; at k = 1 it falls back to one forward pass and D backward passes through the retained graph.
/// Both are exact. Assumes the field treats batch rows independently (no batch statistics), as every CNF field must.
/// </remarks>
public sealed class ExactDivergence : IDivergenceMethod
{
    /// <param name="maxRowsPerPass">Upper bound on replicated rows per pass (≥ 1); 1 means one backward pass per dimension.</param>
    public ExactDivergence(int maxRowsPerPass = 1024)
    {
        if (maxRowsPerPass < 1) throw new ArgumentOutOfRangeException(nameof(maxRowsPerPass), maxRowsPerPass, "need at least one row per pass");
        MaxRowsPerPass = maxRowsPerPass;
    }

    public string Name => "exact";
    public bool IsStochastic => false;

    /// <summary>Bound on B·k, the rows of one replicated forward/backward pass.</summary>
    public int MaxRowsPerPass { get; }

    public VelocityWithDivergence Bind(IVelocityField field, Tensor x) => (xs, t) => Evaluate(field, xs, t, MaxRowsPerPass);

    /// <summary>v (detached) and tr(∂v/∂x) in float64 for every sample of x (B, D).</summary>
    public static (Tensor Velocity, Tensor Divergence) Evaluate(IVelocityField field, Tensor x, Tensor t, int maxRowsPerPass = 1024)
    {
        using var scope = NewDisposeScope();
        using var grad = enable_grad();
        long batch = x.shape[0], dim = x.shape[1];
        long perPass = Math.Clamp(maxRowsPerPass / Math.Max(batch, 1), 1, dim);
        var divergence = zeros(batch, dtype: float64, device: x.device);
        Tensor velocity;
        if (perPass == 1)
        {
            var (leaf, v) = DivergenceSupport.Forward(field, x, t);
            for (long i = 0; i < dim; i++)
            {
                using var row = NewDisposeScope();
                var oneHot = zeros_like(v);
                oneHot.select(1, i).fill_(1.0);
                var g = DivergenceSupport.VectorJacobian(v, leaf, oneHot, retainGraph: i < dim - 1);
                divergence.add_(g.select(1, i).to(float64));
            }
            velocity = v.detach();
        }
        else
        {
            velocity = null!;
            for (long first = 0; first < dim; first += perPass)
            {
                using var pass = NewDisposeScope();
                long k = Math.Min(perPass, dim - first);
                // Rows [j·B, (j+1)·B) are a copy of the batch whose cotangent is e_(first + j).
                var (leaf, v) = DivergenceSupport.Forward(field, x.repeat(k, 1), t.repeat(k));
                var dims = arange(first, first + k, dtype: int64, device: x.device);
                var oneHot = nn.functional.one_hot(dims, dim).to(v.dtype).repeat_interleave(batch, dim: 0);
                var g = DivergenceSupport.VectorJacobian(v, leaf, oneHot, retainGraph: false);
                var diagonal = (g * oneHot).sum(1).reshape(k, batch);
                divergence.add_(diagonal.to(float64).sum([0])); // not sum(0): the literal 0 converts to ScalarType
                if (first == 0) velocity = pass.MoveToOuter(v.narrow(0, 0, batch).detach());
            }
        }
        return scope.MoveToOuter(velocity, divergence);
    }
}

/// <summary>Distribution of Hutchinson probe vectors (both have E[εεᵀ] = I; Rademacher has the lower variance).</summary>
public enum ProbeDistribution
{
    Rademacher,
    Gaussian,
}

/// <summary>
/// Hutchinson's STOCHASTIC ESTIMATE of the divergence, εᵀ(∂v/∂x)ε averaged over a few probes ε with E[εεᵀ] = I:
/// one backward pass per probe instead of D, unbiased but noisy. Good for training-time monitoring and quick
/// checks; never use it for importance weights, whose exponent would carry the estimator's noise.
/// </summary>
/// <remarks>
/// With <c>meanFreeAtoms</c> the probes are projected onto the CoM-free subspace (E[εεᵀ] = P, the centring
/// projector). For a mean-free field (P·J = J) tr(J·P) = tr(J), so the estimate stays unbiased while no probe mass
/// is wasted on the three translation directions, which lowers the variance.
/// </remarks>
public sealed class HutchinsonDivergenceEstimate : IDivergenceMethod
{
    private readonly Generator generator;

    /// <param name="seed">Seeds the probe generator; the same seed and call sequence give the same estimates.</param>
    /// <param name="distribution">Rademacher (±1) or Gaussian probes.</param>
    /// <param name="probes">Probes per evaluation, averaged (each costs one backward pass).</param>
    /// <param name="meanFreeAtoms">When set, probes are centred over this many atoms ([atom, xyz] layout).</param>
    public HutchinsonDivergenceEstimate(long seed = 0, ProbeDistribution distribution = ProbeDistribution.Rademacher, int probes = 1, int? meanFreeAtoms = null)
    {
        if (probes < 1) throw new ArgumentOutOfRangeException(nameof(probes), probes, "need at least one probe");
        if (meanFreeAtoms is < 2) throw new ArgumentOutOfRangeException(nameof(meanFreeAtoms), meanFreeAtoms, "a mean-free projection needs at least two atoms");
        generator = new Generator(unchecked((ulong)seed));
        Distribution = distribution;
        Probes = probes;
        MeanFreeAtoms = meanFreeAtoms;
    }

    public string Name => "hutchinson";
    public bool IsStochastic => true;
    public ProbeDistribution Distribution { get; }
    public int Probes { get; }
    public int? MeanFreeAtoms { get; }

    /// <summary>Draws one set of probes (Probes, B, D) for the whole solve.</summary>
    public VelocityWithDivergence Bind(IVelocityField field, Tensor x)
    {
        var probes = DrawProbes(x);
        return (xs, t) => Evaluate(field, xs, t, probes);
    }

    /// <summary>
    /// Probe vectors (Probes, B, D) in x's dtype and device, drawn on the CPU generator so that results do not depend
    /// on the device; centred over atoms when <see cref="MeanFreeAtoms"/> is set.
    /// </summary>
    public Tensor DrawProbes(Tensor x)
    {
        if (x.dim() != 2) throw new ArgumentException($"expected shape (batch, dimension), got ({string.Join(", ", x.shape)})", nameof(x));
        long batch = x.shape[0], dim = x.shape[1];
        if (MeanFreeAtoms is int n && dim != 3L * n)
            throw new ArgumentException($"mean-free probes over {n} atoms need dimension {3 * n}, got {dim}", nameof(x));
        using var scope = NewDisposeScope();
        long[] shape = [Probes, batch, dim];
        var e = Distribution == ProbeDistribution.Rademacher
            ? randint(0, 2, shape, dtype: x.dtype, device: generator.device, generator: generator).mul(2).sub(1)
            : randn(shape, dtype: x.dtype, device: generator.device, generator: generator);
        if (MeanFreeAtoms is int atoms)
        {
            var perAtom = e.reshape(Probes, batch, atoms, 3);
            e = (perAtom - perAtom.mean([2], keepdim: true)).reshape(shape);
        }
        return scope.MoveToOuter(e.to(x.device));
    }

    /// <summary>v (detached) and the probe average of εᵀ(∂v/∂x)ε in float64, for given probes (K, B, D).</summary>
    public static (Tensor Velocity, Tensor Divergence) Evaluate(IVelocityField field, Tensor x, Tensor t, Tensor probes)
    {
        if (probes.dim() != 3 || probes.shape[1] != x.shape[0] || probes.shape[2] != x.shape[1])
            throw new ArgumentException($"probes must have shape (K, {x.shape[0]}, {x.shape[1]}), got ({string.Join(", ", probes.shape)})", nameof(probes));
        using var scope = NewDisposeScope();
        using var grad = enable_grad();
        var (leaf, v) = DivergenceSupport.Forward(field, x, t);
        long k = probes.shape[0];
        var divergence = zeros(x.shape[0], dtype: float64, device: x.device);
        for (long j = 0; j < k; j++)
        {
            using var probeScope = NewDisposeScope();
            var e = probes[j];
            var g = DivergenceSupport.VectorJacobian(v, leaf, e, retainGraph: j < k - 1);
            divergence.add_((g * e).to(float64).sum(1));
        }
        return scope.MoveToOuter(v.detach(), divergence.div_(k));
    }
}
