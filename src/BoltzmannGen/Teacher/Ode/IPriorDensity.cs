using static TorchSharp.torch;

namespace BoltzmannGen.Teacher.Ode;

/// <summary>
/// The base density p0 of a continuous flow at t = 0. It is a parameter of the flow rather than hard-wired because
/// the teacher needs the mean-free Gaussian (density over the 3N−3 CoM-free degrees of freedom), while generic
/// fields and tests need a plain standard normal; the change-of-variables formula is the same for both.
/// </summary>
public interface IPriorDensity
{
    /// <summary>D, the length of one flattened state.</summary>
    int Dimension { get; }

    /// <summary>
    /// The number of dimensions the density is normalised over (D for a full Gaussian, D − 3 for a mean-free one),
    /// i.e. the dimension of the space in which log q values are densities.
    /// </summary>
    int DegreesOfFreedom { get; }

    /// <summary>
    /// log p0(x) per sample, (B, D) → (B) in float64 on x's device: log-densities are summed with integrated
    /// divergences of hundreds of nats, and float32 would lose the digits that importance weights depend on.
    /// </summary>
    Tensor LogProb(Tensor x);

    /// <summary>
    /// n draws (n, D). With a generator the numbers are drawn on the generator's device and then moved, so a seeded
    /// CPU generator gives the same samples whatever the target device.
    /// </summary>
    Tensor Sample(int n, Generator? generator = null, Device? device = null, ScalarType dtype = ScalarType.Float32);
}

/// <summary>Shared argument checks and constants for the priors.</summary>
internal static class PriorChecks
{
    public static readonly double LogTwoPi = Math.Log(2 * Math.PI);

    public static void RequireBatch(Tensor x, int dimension, string parameter)
    {
        if (x.dim() != 2 || x.shape[1] != dimension)
            throw new ArgumentException($"expected shape (batch, {dimension}), got ({string.Join(", ", x.shape)})", parameter);
        if (!x.is_floating_point())
            throw new ArgumentException($"expected a floating-point tensor, got {x.dtype}", parameter);
    }

    public static Tensor Draw(long[] shape, Generator? generator, Device? device, ScalarType dtype)
    {
        var target = device ?? CPU;
        if (generator is null) return randn(shape, dtype: dtype, device: target);
        var draws = randn(shape, dtype: dtype, device: generator.device, generator: generator);
        return draws.device == target ? draws : draws.to(target);
    }
}
