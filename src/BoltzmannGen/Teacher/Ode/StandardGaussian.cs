using static TorchSharp.torch;

namespace BoltzmannGen.Teacher.Ode;

/// <summary>
/// N(0, I_D) over all D coordinates. For fields that do not preserve a subspace (generic tests, flows in an
/// already CoM-free basis), where the density must be normalised over every coordinate.
/// </summary>
public sealed class StandardGaussian : IPriorDensity
{
    public StandardGaussian(int dimension)
    {
        if (dimension < 1) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "need at least one dimension");
        Dimension = dimension;
    }

    public int Dimension { get; }

    public int DegreesOfFreedom => Dimension;

    /// <summary>−½‖x‖² − (D/2)·log 2π, in float64.</summary>
    public Tensor LogProb(Tensor x)
    {
        PriorChecks.RequireBatch(x, Dimension, nameof(x));
        using var scope = NewDisposeScope();
        var x64 = x.detach().to(float64);
        return scope.MoveToOuter(x64.square().sum(1).mul(-0.5).sub(0.5 * Dimension * PriorChecks.LogTwoPi));
    }

    public Tensor Sample(int n, Generator? generator = null, Device? device = null, ScalarType dtype = ScalarType.Float32)
    {
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), n, "sample count must be non-negative");
        return PriorChecks.Draw([n, Dimension], generator, device, dtype);
    }
}
