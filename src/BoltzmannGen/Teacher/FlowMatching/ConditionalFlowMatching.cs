using TorchSharp;
using static TorchSharp.torch;

namespace BoltzmannGen.Teacher.FlowMatching;

/// <summary>
/// Conditional flow matching with linear (rectified / OT-CFM) paths in centred coordinates, D = 3N, [atom, xyz]:
/// x_t = (1 − t)·x0 + t·x1 + σ·ε with ε a mean-free standard Gaussian, target velocity u = x1 − x0, and
/// loss = mean over batch and coordinates of (v(x_t, t) − u)². Every random draw takes the caller's generator
/// (drawn on the CPU, then moved to the data's device).
/// </summary>
public static class ConditionalFlowMatching
{
    /// <summary>(B, D) standard Gaussian draws with the mean over atoms removed: the standard Gaussian of the (D − 3)-dimensional CoM-free subspace.</summary>
    public static Tensor SamplePrior(long batch, int dimension, Generator generator, Device? device = null, ScalarType dtype = ScalarType.Float32)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (dimension < 3 || dimension % 3 != 0)
            throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "D must be a positive multiple of 3 ([atom, xyz])");
        using var scope = NewDisposeScope();
        var z = randn([batch, dimension], generator: generator, dtype: dtype).to(device ?? CPU);
        return scope.MoveToOuter(MeanFree(z));
    }

    /// <summary>x (B, D) minus its mean over atoms (per batch element and axis).</summary>
    public static Tensor MeanFree(Tensor x)
    {
        long batch = x.shape[0];
        using var scope = NewDisposeScope();
        var p = x.reshape(batch, -1, 3);
        return scope.MoveToOuter((p - p.mean([1], keepdim: true)).reshape(batch, -1));
    }

    /// <summary>
    /// The conditional path at times t (B): x_t = (1 − t) x0 + t x1 (+ σ ε, ε mean-free Gaussian from
    /// <paramref name="generator"/>, needed only when σ &gt; 0) and the target u = x1 − x0.
    /// </summary>
    public static (Tensor Xt, Tensor Target) Path(Tensor x0, Tensor x1, Tensor t, double sigma = 0, Generator? generator = null)
    {
        if (!(sigma >= 0) || double.IsInfinity(sigma)) throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "σ must be finite and ≥ 0");
        var tt = t.to(x0.dtype, x0.device).unsqueeze(1);
        // x0 + t·(x1 − x0), tensor–tensor operations only: a C# literal here (1 − t) became a native Scalar that
        // libtorch found freed in two long runs ("Expected false to be true … toFloat", right after a validation).
        var target = x1 - x0;
        var xt = x0 + tt * target;
        if (sigma > 0)
        {
            if (generator is null) throw new ArgumentNullException(nameof(generator), "σ > 0 needs a generator for the path noise");
            using var s = tensor(sigma, x0.dtype, x0.device);
            xt = xt + SamplePrior(x0.shape[0], (int)x0.shape[1], generator, x0.device, x0.dtype) * s;
        }
        return (xt, target);
    }

    /// <summary>The loss of given pairs (x0 already coupled to x1), with t ~ U(0, 1) (and the path noise) drawn from <paramref name="generator"/>.</summary>
    public static Tensor Loss(IVelocityField field, Tensor x0, Tensor x1, double sigma, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(field);
        var t = rand([x0.shape[0]], generator: generator, dtype: x0.dtype).to(x0.device);
        var (xt, target) = Path(x0, x1, t, sigma, generator);
        return (field.Velocity(xt, t) - target).pow(2).mean();
    }
}
