using static TorchSharp.torch;

namespace BoltzmannGen.Teacher.Ode;

/// <summary>
/// The isotropic standard Gaussian restricted to mean-free configurations of N atoms in flattened [atom, xyz]
/// coordinates. The energy does not depend on the centre of mass, so the teacher's density lives on the
/// (3N−3)-dimensional CoM-free subspace; this prior is normalised there (docs/design.md §4.3), which is what makes
/// log w = −u − log q consistent with the student flows that work in an orthonormal centred basis.
/// </summary>
public sealed class MeanFreeGaussian : IPriorDensity
{
    public MeanFreeGaussian(int atoms)
    {
        if (atoms < 2) throw new ArgumentOutOfRangeException(nameof(atoms), atoms, "a mean-free density needs at least two atoms");
        Atoms = atoms;
    }

    public int Atoms { get; }

    public int Dimension => 3 * Atoms;

    public int DegreesOfFreedom => 3 * Atoms - 3;

    /// <summary>
    /// −½‖x‖² − ((3N−3)/2)·log 2π, in float64. The centre-of-mass component of x is projected out first: it has no
    /// density on the subspace, and an ODE solution drifts off it by rounding only, which must not change log q.
    /// </summary>
    public Tensor LogProb(Tensor x)
    {
        PriorChecks.RequireBatch(x, Dimension, nameof(x));
        using var scope = NewDisposeScope();
        var centred = Centre(x.detach().to(float64), Atoms);
        return scope.MoveToOuter(centred.square().sum(1).mul(-0.5).sub(0.5 * DegreesOfFreedom * PriorChecks.LogTwoPi));
    }

    /// <summary>Draws (n, 3N) mean-free samples: standard normals with their per-sample centroid removed.</summary>
    public Tensor Sample(int n, Generator? generator = null, Device? device = null, ScalarType dtype = ScalarType.Float32)
    {
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), n, "sample count must be non-negative");
        using var scope = NewDisposeScope();
        var draws = PriorChecks.Draw([n, Dimension], generator, device, dtype);
        return scope.MoveToOuter(Centre(draws, Atoms));
    }

    /// <summary>
    /// Removes the per-sample centroid over atoms from flattened (B, 3N) states: the orthogonal projection onto the
    /// CoM-free subspace, used for states and for Hutchinson probes alike.
    /// </summary>
    public static Tensor Centre(Tensor x, int atoms)
    {
        if (x.dim() != 2 || x.shape[1] != 3L * atoms)
            throw new ArgumentException($"expected shape (batch, {3 * atoms}), got ({string.Join(", ", x.shape)})", nameof(x));
        using var scope = NewDisposeScope();
        var perAtom = x.reshape(x.shape[0], atoms, 3);
        return scope.MoveToOuter((perAtom - perAtom.mean([1], keepdim: true)).reshape(x.shape[0], 3L * atoms));
    }
}
