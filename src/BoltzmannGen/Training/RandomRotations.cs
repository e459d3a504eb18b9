using TorchSharp;
using static TorchSharp.torch;

namespace BoltzmannGen.Training;

/// <summary>
/// Uniformly random 3-D rotations (Haar measure) from normalised Gaussian quaternions. The prior is isotropic and
/// the energy is rotation-invariant, so rotating a training pair (x0, x1) jointly keeps it a valid pair and teaches
/// the flow the symmetry it cannot have by construction.
/// </summary>
public static class RandomRotations
{
    /// <summary>(B, 3, 3) rotation matrices.</summary>
    public static Tensor Sample(long batch, Generator generator, Device device, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var q = randn([batch, 4], generator: generator, dtype: float64).to(device);
        q = q / q.norm(1, keepdim: true);
        var (w, x, y, z) = (q[.., 0], q[.., 1], q[.., 2], q[.., 3]);
        var r = stack([
            1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w),
            2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w),
            2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y),
        ], dim: 1).reshape(batch, 3, 3).to(dtype);
        return scope.MoveToOuter(r);
    }

    /// <summary>Rotates positions (B, N, 3) by rotations (B, 3, 3): x' = x Rᵀ.</summary>
    public static Tensor Apply(Tensor positions, Tensor rotations) => positions.matmul(rotations.transpose(1, 2));
}
