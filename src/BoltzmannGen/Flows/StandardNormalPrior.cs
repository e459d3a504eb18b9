using static TorchSharp.torch;

namespace BoltzmannGen.Flows;

/// <summary>
/// Standard normal prior in D dimensions. In the orthonormal centred basis (<see cref="CentredCoordinates"/>)
/// this is exactly the mean-free isotropic Gaussian of Cartesian space restricted to the CoM-free subspace.
/// </summary>
public sealed class StandardNormalPrior
{
    public StandardNormalPrior(int dimension)
    {
        if (dimension < 1) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "need at least one dimension");
        Dimension = dimension;
    }

    public int Dimension { get; }

    /// <summary>log p0(u) = −½‖u‖² − (D/2)·log 2π per sample: (B, D) → (B), in u's dtype.</summary>
    public Tensor LogProb(Tensor u)
    {
        if (u.dim() != 2 || u.shape[1] != Dimension)
            throw new ArgumentException($"expected (batch, {Dimension}), got ({string.Join(", ", u.shape)})", nameof(u));
        return u.square().sum(1).mul(-0.5).sub(0.5 * Dimension * Math.Log(2 * Math.PI));
    }

    /// <summary>
    /// n draws (n, D) on <paramref name="device"/>. With a generator the numbers are drawn on the generator's
    /// device and then moved, so a seeded CPU generator gives the same samples whatever the model's device.
    /// </summary>
    public Tensor Sample(int n, Generator? generator = null, Device? device = null, ScalarType dtype = ScalarType.Float32)
    {
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), n, "sample count must be non-negative");
        var target = device ?? CPU;
        if (generator is null) return randn([n, Dimension], dtype: dtype, device: target);
        var draws = randn([n, Dimension], dtype: dtype, device: generator.device, generator: generator);
        return draws.device == target ? draws : draws.to(target);
    }
}
