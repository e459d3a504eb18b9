using static TorchSharp.torch;

namespace BoltzmannGen.Teacher;

/// <summary>
/// A time-dependent velocity field v(x, t) of a continuous normalizing flow, over flattened coordinates.
/// The teacher works in centred, normalised Cartesian coordinates (D = 3N, [atom, xyz] order): the prior is the
/// mean-free Gaussian, and every field keeps states mean-free (its output has zero mean over atoms), so the
/// divergence taken in all 3N coordinates equals the divergence on the (3N−3)-dimensional CoM-free subspace.
/// </summary>
public interface IVelocityField
{
    /// <summary>D, the length of one flattened state.</summary>
    int Dimension { get; }

    /// <summary>v(x, t): x (B, D), t (B) on the same device and dtype → (B, D), differentiable in x.</summary>
    Tensor Velocity(Tensor x, Tensor t);
}
