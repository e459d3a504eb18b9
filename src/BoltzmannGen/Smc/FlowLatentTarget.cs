using BoltzmannGen.Sampling;
using BoltzmannGen.Flows;
using BoltzmannGen.Optimisation;
using TorchSharp;
using static TorchSharp.torch;

namespace BoltzmannGen.Smc;

/// <summary>
/// The latent target of a trained flow F and the force field: ℓ(z) = −u(F(z)) − log q(F(z)), the log importance
/// weight of the sample z makes (docs/design.md §6.11). ∇_z ℓ comes from one backward pass of the surrogate
/// −Σᵢ ∇uᵢ·xᵢ − Σᵢ log qᵢ with ∇u = −F/k_BT from OpenMM held fixed (as fine-tuning's reverse KL does), through the
/// flow and, for internal-coordinate models, the map. A sample that fails the validity check (bonds, L chirality) or
/// has a non-finite energy, force or log q gets ℓ = −∞ and takes no part in the surrogate, so it cannot make a
/// gradient NaN. The flow runs in its own dtype, chunk by chunk; everything returned is double.
/// <para>
/// The model's parameters are frozen (requires_grad off) during each evaluation, and restored after it: only z needs a
/// gradient, so the graph stays small, and a trainer can anneal with the model it is training (FAB, §6.10).
/// </para>
/// </summary>
public sealed class FlowLatentTarget : ILatentTarget
{
    private readonly BoltzmannFlow _model;
    private readonly ITargetEnergy _energy;
    private readonly int _chunk;

    /// <summary>Particles per forward/backward pass unless told otherwise.</summary>
    public const int DefaultChunk = 1024;

    /// <param name="chunk">particles per forward/backward pass (bounds the memory of the autograd graph)</param>
    public FlowLatentTarget(BoltzmannFlow model, ITargetEnergy energy, int chunk = DefaultChunk)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunk, 1);
        _model = model;
        _energy = energy;
        _chunk = chunk;
    }

    public int Dimension => _model.Dimension;
    public int PositionLength => 3 * _model.Atoms;
    public long Evaluations { get; private set; }

    public LatentBatch Evaluate(double[] z, bool withGradient)
    {
        int d = Dimension, n = z.Length / d, per = PositionLength;
        var ell = new double[n];
        var gradient = withGradient ? new double[n * d] : null;
        var reduced = new double[n];
        var logQ = new double[n];
        var positions = new double[n * per];
        var trainable = _model.parameters().Where(p => p.requires_grad).ToArray();
        foreach (var p in trainable) p.requires_grad = false;
        try
        {
            EvaluateChunks(z, withGradient, ell, gradient, reduced, logQ, positions);
        }
        finally
        {
            foreach (var p in trainable) p.requires_grad = true;
        }
        Evaluations += n;
        return new LatentBatch(ell, gradient, reduced, logQ, positions);
    }

    private void EvaluateChunks(double[] z, bool withGradient, double[] ell, double[]? gradient, double[] reduced, double[] logQ, double[] positions)
    {
        int d = Dimension, n = z.Length / d, per = PositionLength;
        for (int start = 0; start < n; start += _chunk)
        {
            int b = Math.Min(_chunk, n - start);
            // Every double in a tensor expression is a native Scalar the GC could free mid-call (§8.2).
            using var fence = FinalizerFence.Enter();
            using var scope = NewDisposeScope();
            var chunk = EvaluateChunk(z.AsSpan(start * d, b * d), b, withGradient);
            Array.Copy(chunk.LogWeight, 0, ell, start, b);
            Array.Copy(chunk.Reduced, 0, reduced, start, b);
            Array.Copy(chunk.LogQ, 0, logQ, start, b);
            Array.Copy(chunk.Positions, 0, positions, start * per, b * per);
            if (gradient is not null) Array.Copy(chunk.Gradient!, 0, gradient, start * d, b * d);
        }
    }

    private LatentBatch EvaluateChunk(ReadOnlySpan<double> z, int b, bool withGradient)
    {
        int d = Dimension;
        // The particles live in double; the flow sees them in its own dtype (float32 by default).
        var leaf = tensor(z.ToArray(), [b, d], float64).to(_model.DType, _model.Device);
        Tensor positions, logQ;
        if (withGradient)
        {
            leaf.requires_grad_(true);
            (_, positions, logQ) = _model.SampleFrom(leaf, differentiable: true);
        }
        else
        {
            using var noGrad = no_grad();
            (_, positions, logQ) = _model.SampleFrom(leaf);
        }
        var x = Doubles(positions);
        var lq = Doubles(logQ);
        var scored = _energy.Score(x, withForces: withGradient);
        var ell = new double[b];
        var use = new bool[b];
        for (int i = 0; i < b; i++)
        {
            use[i] = scored.Valid[i] && scored.Finite(i) && double.IsFinite(lq[i]);
            ell[i] = use[i] ? -scored.Reduced[i] - lq[i] : double.NegativeInfinity;
        }
        double[]? gradient = null;
        if (withGradient)
        {
            gradient = new double[b * d];
            if (use.Any(u => u)) Backward(leaf, positions, logQ, scored, use).CopyTo(gradient, 0);
            // A dropped row's gradient may be NaN (zero upstream gradient times an infinite Jacobian); nobody reads it.
            for (int i = 0; i < b; i++) if (!use[i]) Array.Clear(gradient, i * d, d);
        }
        return new LatentBatch(ell, gradient, scored.Reduced, lq, x);
    }

    // ∇_z of −Σ ∇u·x − Σ log q over the usable samples: ∇_z ℓ row by row (rows of dropped samples are zero).
    private static double[] Backward(Tensor leaf, Tensor positions, Tensor logQ, ScoredBatch scored, bool[] use)
    {
        var device = leaf.device;
        int per = scored.Gradients!.Length / scored.Count;
        var masked = new double[scored.Gradients.Length];
        for (int i = 0; i < use.Length; i++)
            if (use[i]) Array.Copy(scored.Gradients, i * per, masked, i * per, per);
        var keep = tensor(use, device: device);
        var gradU = tensor(masked, positions.shape, float64).to(device);
        // Dropped samples may hold NaN coordinates or log q: 0·NaN would still poison the sum, so they are zeroed first.
        var x = where(keep.view(-1, 1, 1), positions.to(float64), zeros_like(positions, dtype: float64));
        var safeLogQ = where(keep, logQ, zeros_like(logQ));
        var surrogate = (gradU * x).sum().neg() - safeLogQ.sum();
        var grad = autograd.grad([surrogate], [leaf])[0];
        return Doubles(grad);
    }

    private static double[] Doubles(Tensor t)
    {
        using var c = t.detach().to(float64, CPU).contiguous();
        return c.data<double>().ToArray();
    }
}
