using TorchSharp;
using static TorchSharp.torch;

namespace BoltzmannGen.Flows;

/// <summary>
/// Maps Cartesian coordinates of N atoms to the D = 3N−3 dimensional subspace of centred coordinates
/// (unweighted centroid: Σ_i x_i = 0 per axis) and back, in an orthonormal basis, and applies one scalar
/// length scale s: the flow space is u = (x Q) / s.
/// <para>
/// Basis: Q = H ⊗ I₃ with H the (N−1) × N Helmert contrast matrix. Row k of H compares atom k+1 with the
/// centroid of atoms 0..k: H[k, j] = −1/√((k+1)(k+2)) for j ≤ k, (k+1)/√((k+1)(k+2)) for j = k+1, 0 otherwise;
/// i.e. token k = √((k+1)/(k+2)) · (x_{k+1} − mean(x_0..x_k)). The rows are orthonormal and orthogonal to the
/// all-ones vector, so projecting an uncentred conformation gives the coefficients of its centred version
/// (centring is implicit), and Q is orthonormal on the subspace.
/// </para>
/// <para>
/// Coefficient order: token-major, z[3k + a] = (H x)[k, a] for axis a ∈ {x, y, z}: N−1 "tokens" of 3, one per
/// contrast, each atom-like (it rotates with the molecule like a position), which a transformer can treat as
/// a sequence.
/// </para>
/// <para>
/// Densities: because Q is orthonormal, the density of centred physical coordinates (nm, w.r.t. the
/// (3N−3)-dimensional Lebesgue measure of the subspace) is log q(x) = log q_u(u) − D·log s.
/// Both H and s are buffers, so they move with the model and are saved with its weights.
/// </para>
/// </summary>
public sealed class CentredCoordinates : nn.Module
{
    private Tensor helmert; // (N−1, N); reassigned by Module.to() through reflection
    private Tensor scale;   // 0-d, nm per flow-space unit

    public CentredCoordinates(int atoms, double scale) : base(nameof(CentredCoordinates))
    {
        if (atoms < 2) throw new ArgumentOutOfRangeException(nameof(atoms), atoms, "need at least two atoms");
        if (!(scale > 0) || double.IsInfinity(scale)) throw new ArgumentOutOfRangeException(nameof(scale), scale, "the length scale must be positive and finite");
        Atoms = atoms;
        helmert = tensor(HelmertMatrix(atoms), [atoms - 1, atoms], float32).DetachFromDisposeScope();
        this.scale = tensor((float)scale, float32).DetachFromDisposeScope();
        RegisterComponents();
    }

    public int Atoms { get; }

    /// <summary>D = 3N − 3.</summary>
    public int Dimension => 3 * (Atoms - 1);

    /// <summary>Current value of the length scale s (nm).</summary>
    public double LengthScale
    {
        get
        {
            using var value = scale.to(float64, CPU);
            return value.item<double>();
        }
    }

    /// <summary>The scale buffer (0-d); its dtype and device are the module's.</summary>
    public Tensor ScaleTensor => scale;

    /// <summary>The (N−1) × N Helmert matrix, row-major, in double precision.</summary>
    public static double[] HelmertMatrix(int atoms)
    {
        var h = new double[(atoms - 1) * atoms];
        for (int k = 0; k < atoms - 1; k++)
        {
            double norm = Math.Sqrt((k + 1.0) * (k + 2.0));
            for (int j = 0; j <= k; j++) h[k * atoms + j] = -1.0 / norm;
            h[k * atoms + k + 1] = (k + 1.0) / norm;
        }
        return h;
    }

    /// <summary>The explicit basis Q (3N × (3N−3)), Q[3i + a, 3k + b] = H[k, i]·δ_ab, in the module's dtype and device.</summary>
    public Tensor Basis()
    {
        using var scope = NewDisposeScope();
        int n = Atoms;
        var eye3 = eye(3, dtype: helmert.dtype, device: helmert.device);
        // (i, a, k, b) = H[k, i] δ_ab
        var q = helmert.t().reshape(n, 1, n - 1, 1) * eye3.reshape(1, 3, 1, 3);
        return scope.MoveToOuter(q.reshape(3 * n, 3 * (n - 1)));
    }

    /// <summary>Subtracts the centroid: (B, N, 3) → (B, N, 3).</summary>
    public Tensor Centre(Tensor positions)
    {
        var x = AsPositions(positions, nameof(positions));
        return x - x.mean([1], keepdim: true);
    }

    /// <summary>Coefficients z = x Q (no scale): (B, N, 3) or (B, 3N) → (B, D). Translations are projected out.</summary>
    public Tensor Project(Tensor positions)
    {
        // Inputs take the basis's dtype and device: libtorch aborts the process (not an exception) on some
        // mixed-dtype batched matmuls.
        var x = AsPositions(positions, nameof(positions)).to(helmert.dtype, helmert.device);
        return matmul(helmert, x).reshape(x.shape[0], Dimension);
    }

    /// <summary>Centred coordinates x = z Qᵀ (no scale): (B, D) → (B, N, 3).</summary>
    public Tensor Embed(Tensor coefficients)
    {
        CheckCoefficients(coefficients, nameof(coefficients));
        var z = coefficients.reshape(coefficients.shape[0], Atoms - 1, 3).to(helmert.dtype, helmert.device);
        return matmul(helmert.t(), z);
    }

    /// <summary>Flow-space coordinates u = (x Q) / s from positions in nm: (B, N, 3) → (B, D).</summary>
    public Tensor ToFlowSpace(Tensor positions) => Project(positions) / scale;

    /// <summary>Centred positions in nm x = s · u Qᵀ: (B, D) → (B, N, 3).</summary>
    public Tensor FromFlowSpace(Tensor u) => Embed(u) * scale;

    /// <summary>log|det ∂x/∂u| = D·log s (0-d tensor, module dtype and device); log q(x) = log q(u) − D·log s.</summary>
    public Tensor LogScaleJacobian() => scale.log() * Dimension;

    // Converting the float32 basis to float64 would keep float32 round-off (orthonormal only to ~1e-7):
    // refill it from the exact double-precision values after every dtype change.
    protected override nn.Module _to(ScalarType dtype, bool non_blocking)
    {
        var module = base._to(dtype, non_blocking);
        RefillHelmert();
        return module;
    }

    protected override nn.Module _to(Device device, ScalarType dtype, bool non_blocking)
    {
        var module = base._to(device, dtype, non_blocking);
        RefillHelmert();
        return module;
    }

    private void RefillHelmert()
    {
        using var noGrad = no_grad();
        using var exact = tensor(HelmertMatrix(Atoms), [Atoms - 1, Atoms], float64);
        helmert.copy_(exact);
    }

    private Tensor AsPositions(Tensor positions, string argument)
    {
        if (positions.dim() == 3 && positions.shape[1] == Atoms && positions.shape[2] == 3) return positions;
        if (positions.dim() == 2 && positions.shape[1] == 3 * Atoms) return positions.reshape(positions.shape[0], Atoms, 3);
        throw new ArgumentException(
            $"expected positions (batch, {Atoms}, 3) or (batch, {3 * Atoms}), got ({string.Join(", ", positions.shape)})", argument);
    }

    private void CheckCoefficients(Tensor z, string argument)
    {
        if (z.dim() != 2 || z.shape[1] != Dimension)
            throw new ArgumentException($"expected coefficients (batch, {Dimension}), got ({string.Join(", ", z.shape)})", argument);
    }
}
