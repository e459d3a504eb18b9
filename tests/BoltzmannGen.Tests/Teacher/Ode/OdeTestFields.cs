using BoltzmannGen.Teacher;
using TorchSharp;
using static TorchSharp.torch;

namespace BoltzmannGen.Tests.Teacher.Ode;

/// <summary>
/// The straight-line interpolation x_t = (1−t)·x0 + t·(μ + σ⊙x0) between N(0, I) and N(μ, diag σ²). Solving for x0,
/// x0 = (x − tμ)/a(t) with a(t) = 1 + (σ−1)t, so the velocity at (x, t) is
/// v = ẋ_t = (σ−1)⊙x0 + μ = (σ−1)/a(t) ⊙ (x − tμ) + μ, with divergence Σ_i (σ_i−1)/a_i(t) and
/// ∫₀¹ div dt = Σ_i ln σ_i: log q(x1) = log N(x0) − Σ ln σ_i = log N(μ, σ²)(x1), the answer every solver must reproduce.
/// </summary>
internal sealed class GaussianInterpolationField(double[] mu, double[] sigma) : IVelocityField
{
    public int Calls { get; private set; }

    public int Dimension => mu.Length;

    public Tensor Velocity(Tensor x, Tensor t)
    {
        Calls++;
        using var scope = NewDisposeScope();
        var m = tensor(mu, dtype: x.dtype, device: x.device);
        var s = tensor(sigma, dtype: x.dtype, device: x.device);
        var (tt, one) = (t.unsqueeze(1), OdeTestFieldConstants.Of(1.0, x));
        var rate = (s - one) / ((s - one) * tt + one);
        return scope.MoveToOuter(rate * (x - tt * m) + m);
    }

    /// <summary>The exact end point μ + σ⊙x0, computed in doubles.</summary>
    public double[] EndPoint(double[] x0) => x0.Select((v, i) => mu[i] + sigma[i] * v).ToArray();

    /// <summary>The exact start point (x1 − μ)/σ.</summary>
    public double[] StartPoint(double[] x1) => x1.Select((v, i) => (v - mu[i]) / sigma[i]).ToArray();

    /// <summary>log N(μ, diag σ²)(x1), computed in doubles.</summary>
    public double LogDensity(double[] x1)
    {
        double sum = 0;
        for (int i = 0; i < x1.Length; i++)
        {
            double z = (x1[i] - mu[i]) / sigma[i];
            sum += -0.5 * z * z - Math.Log(sigma[i]) - 0.5 * Math.Log(2 * Math.PI);
        }
        return sum;
    }
}

/// <summary>
/// The linear spiral v = (αx − ωy, ωx + αy) on consecutive coordinate pairs. Unlike the Gaussian interpolation,
/// whose trajectories are straight lines that every Runge–Kutta method follows exactly, its trajectories curve,
/// so it exposes each solver's truncation error: x(1) = e^α·R(ω)·x0 and div v = D·α, so
/// log q(x1) = log p0(x0) − D·α.
/// </summary>
internal sealed class SpiralField(int dimension, double alpha, double omega) : IVelocityField
{
    public int Dimension => dimension;

    public Tensor Velocity(Tensor x, Tensor t)
    {
        using var scope = NewDisposeScope();
        var pairs = x.reshape(-1, dimension / 2, 2);
        var a = pairs.select(2, 0);
        var b = pairs.select(2, 1);
        var (al, om) = (OdeTestFieldConstants.Of(alpha, x), OdeTestFieldConstants.Of(omega, x));
        var v = stack([a * al - b * om, a * om + b * al], 2);
        return scope.MoveToOuter(v.reshape(-1, dimension));
    }

    /// <summary>e^α·R(ω)·x0 in doubles.</summary>
    public double[] EndPoint(double[] x0)
    {
        var x1 = new double[x0.Length];
        double g = Math.Exp(alpha), c = Math.Cos(omega), s = Math.Sin(omega);
        for (int i = 0; i < x0.Length; i += 2)
        {
            x1[i] = g * (c * x0[i] - s * x0[i + 1]);
            x1[i + 1] = g * (s * x0[i] + c * x0[i + 1]);
        }
        return x1;
    }

    /// <summary>Max |x1 − e^α R(ω) x0| over the batch.</summary>
    public double EndPointError(Tensor x0, Tensor x1)
    {
        double worst = 0;
        for (int b = 0; b < x0.shape[0]; b++)
            worst = Math.Max(worst, OdeTestSupport.MaxAbsDiff(OdeTestSupport.Row(x1, b), EndPoint(OdeTestSupport.Row(x0, b))));
        return worst;
    }
}

/// <summary>
/// A tiny non-linear field v = W2·tanh(W1·x + w·t + b1) + b2 with random weights, for divergence checks where the
/// Jacobian is dense and non-symmetric. Set <paramref name="meanFreeAtoms"/> to centre the output over atoms
/// (a mean-free field in [atom, xyz] layout, like the teacher's).
/// </summary>
internal sealed class TinyMlpField : IVelocityField
{
    private readonly Tensor w1, w1t, b1, w2, b2;
    private readonly int? meanFreeAtoms;

    public TinyMlpField(int dimension, int hidden, long seed, double scale = 1.0, int? meanFreeAtoms = null, ScalarType dtype = ScalarType.Float32)
    {
        Dimension = dimension;
        this.meanFreeAtoms = meanFreeAtoms;
        var g = new Generator((ulong)seed);
        w1 = randn([hidden, dimension], dtype: dtype, generator: g).mul(scale / Math.Sqrt(dimension));
        w1t = randn([hidden], dtype: dtype, generator: g);
        b1 = randn([hidden], dtype: dtype, generator: g).mul(0.3);
        w2 = randn([dimension, hidden], dtype: dtype, generator: g).mul(scale / Math.Sqrt(hidden));
        b2 = randn([dimension], dtype: dtype, generator: g).mul(0.3);
    }

    public int Dimension { get; }

    public Tensor Velocity(Tensor x, Tensor t)
    {
        using var scope = NewDisposeScope();
        var h = tanh(x.matmul(w1.to(x.dtype).t()) + t.unsqueeze(1) * w1t.to(x.dtype) + b1.to(x.dtype));
        var v = h.matmul(w2.to(x.dtype).t()) + b2.to(x.dtype);
        if (meanFreeAtoms is int n)
        {
            var perAtom = v.reshape(-1, n, 3);
            v = (perAtom - perAtom.mean([1], keepdim: true)).reshape(-1, 3 * n);
        }
        return scope.MoveToOuter(v);
    }
}

/// <summary>
/// A mean-free linear field v = (σ−1)/(1+(σ−1)t) · P·x (P the centring projector over atoms): mean-free x0 flows to
/// σ·x0, the divergence is (3N−3)(σ−1)/a(t), so on the CoM-free subspace log q(σx0) = log p0(x0) − (3N−3)·ln σ.
/// </summary>
internal sealed class MeanFreeScalingField(int atoms, double sigma) : IVelocityField
{
    public int Dimension => 3 * atoms;

    public Tensor Velocity(Tensor x, Tensor t)
    {
        using var scope = NewDisposeScope();
        var perAtom = x.reshape(-1, atoms, 3);
        var centred = (perAtom - perAtom.mean([1], keepdim: true)).reshape(-1, 3 * atoms);
        var (excess, one) = (OdeTestFieldConstants.Of(sigma - 1, x), OdeTestFieldConstants.Of(1.0, x));
        var rate = excess / (t.unsqueeze(1) * excess + one);
        return scope.MoveToOuter(rate * centred);
    }
}

/// <summary>A field that does not depend on x (constant drift plus a learnable-looking bias), whose divergence is zero.</summary>
internal sealed class ConstantField(int dimension, bool parameterised) : IVelocityField
{
    private readonly Tensor bias = DetachedBias(dimension, parameterised);

    public int Dimension => dimension;

    public Tensor Velocity(Tensor x, Tensor t) =>
        (bias.to(x.dtype).unsqueeze(0) * t.unsqueeze(1)).expand(x.shape[0], dimension).contiguous();

    private static Tensor DetachedBias(int dimension, bool parameterised)
    {
        var b = linspace(-1, 1, dimension);
        if (parameterised) b.requires_grad_(true);
        return b;
    }
}

/// <summary>A field that returns the wrong shape, as a network with a wiring bug would.</summary>
internal sealed class WrongShapeField(int dimension) : IVelocityField
{
    public int Dimension => dimension;

    public Tensor Velocity(Tensor x, Tensor t) => zeros(x.shape[0], dimension + 1, dtype: x.dtype);
}

internal static class OdeTestSupport
{
    public static double[] Row(Tensor t, int row)
    {
        using var r = t[row].detach().to(float64).contiguous();
        return r.data<double>().ToArray();
    }

    public static double[] ToDoubles(Tensor t)
    {
        using var c = t.detach().to(float64, CPU).contiguous();
        return c.data<double>().ToArray();
    }

    public static double MaxAbs(Tensor t)
    {
        using var a = t.detach().abs().max().to(float64);
        return a.item<double>();
    }

    public static double MaxAbsDiff(double[] a, double[] b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max();

    /// <summary>Max |x1 − (μ + σ x0)| over the batch, from independent double arithmetic.</summary>
    public static double EndPointError(GaussianInterpolationField field, Tensor x0, Tensor x1)
    {
        double worst = 0;
        for (int b = 0; b < x0.shape[0]; b++)
            worst = Math.Max(worst, MaxAbsDiff(Row(x1, b), field.EndPoint(Row(x0, b))));
        return worst;
    }
}

/// <summary>
/// Constants of the fields above as 0-dim tensors: a C# number in a tensor expression becomes a native Scalar that
/// only the GC frees, and a collection during an ODE solve can free it while libtorch reads it (design.md §8.2; it
/// failed a DivergenceTests run in clean-clone CI on 2026-12-08). Tensor–tensor operations, as in the library's hot paths.
/// </summary>
internal static class OdeTestFieldConstants
{
    public static Tensor Of(double value, Tensor like) => tensor(value, dtype: like.dtype, device: like.device);
}
