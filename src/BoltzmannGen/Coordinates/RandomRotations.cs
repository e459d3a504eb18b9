using TorchSharp;
using static TorchSharp.torch;

namespace BoltzmannGen.Coordinates;

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
        // R = (w² − v·v)·I + 2·v vᵀ + 2w·[v]×, built from tensor–tensor operations only: C# literals mixed into
        // tensor arithmetic become native Scalars that the GC may free while libtorch still reads them (seen as a
        // rare "Expected false to be true … toDouble" crash after thousands of training steps).
        var w = q[.., 0].reshape(batch, 1, 1);
        var v = q[.., 1..];                                           // (B, 3)
        var vv = (v * v).sum([1], keepdim: true).unsqueeze(2);         // (B, 1, 1)
        var outer = v.unsqueeze(2).matmul(v.unsqueeze(1));             // (B, 3, 3)
        var zero = zeros_like(v[.., 0]);
        var (x, y, z) = (v[.., 0], v[.., 1], v[.., 2]);
        var cross = stack([zero, z.neg(), y, z, zero, x.neg(), y.neg(), x, zero], dim: 1).reshape(batch, 3, 3);
        var identity = eye(3, dtype: float64, device: device).expand(batch, 3, 3);
        var r = (identity.mul(w.mul(w).sub(vv)) + outer.add(outer) + cross.mul(w.add(w))).to(dtype);
        return scope.MoveToOuter(r);
    }

    /// <summary>Rotates positions (B, N, 3) by rotations (B, 3, 3): x' = x Rᵀ.</summary>
    public static Tensor Apply(Tensor positions, Tensor rotations) => positions.matmul(rotations.transpose(1, 2));
}
