using MathNet.Numerics.LinearAlgebra;

namespace BoltzmannGen.Numerics.Assignment;

/// <summary>A proper rotation (det R = +1, row-major 3×3) that carries the mobile points onto the reference, and the result.</summary>
public sealed record KabschAlignment(double[] Aligned, double Rmsd, double[,] Rotation);

/// <summary>
/// Optimal rotation about the origin (Kabsch 1976, with the reflection correction) between two point sets given
/// as flat [atom, xyz] arrays. No translation is applied: both sets must already be centred (for the flows: centre
/// of mass removed), which is the frame in which pairs are regressed.
/// </summary>
public static class Kabsch
{
    /// <summary>
    /// Rotates <paramref name="mobile"/> onto <paramref name="reference"/>, minimising Σ_k ||R m_k − r_k||² over
    /// proper rotations. With H = Σ_k m_k r_kᵀ = U S Vᵀ (SVD), R = V diag(1, 1, s) Uᵀ with s = sign det(V Uᵀ):
    /// without s a mirrored set would be "aligned" by a reflection, which is no symmetry of a chiral molecule.
    /// RMSD = √(Σ_k ||R m_k − r_k||² / atoms).
    /// </summary>
    public static KabschAlignment Align(ReadOnlySpan<double> mobile, ReadOnlySpan<double> reference)
    {
        int atoms = CheckShape(mobile, reference);
        var h = Covariance(mobile, reference);
        var svd = Matrix<double>.Build.DenseOfArray(h).Svd(computeVectors: true);
        var v = svd.VT.Transpose();
        var ut = svd.U.Transpose();
        var correction = Matrix<double>.Build.DenseIdentity(3);
        if ((v * ut).Determinant() < 0) correction[2, 2] = -1; // singular values come sorted: flip the smallest
        var r = v * correction * ut;

        var aligned = new double[mobile.Length];
        double sum = 0;
        for (int k = 0; k < atoms; k++)
            for (int a = 0; a < 3; a++)
            {
                double x = r[a, 0] * mobile[3 * k] + r[a, 1] * mobile[3 * k + 1] + r[a, 2] * mobile[3 * k + 2];
                aligned[3 * k + a] = x;
                double e = x - reference[3 * k + a];
                sum += e * e;
            }
        return new KabschAlignment(aligned, atoms == 0 ? 0 : Math.Sqrt(sum / atoms), r.ToArray());
    }

    /// <summary>H_ab = Σ_k mobile_k,a · reference_k,b.</summary>
    internal static double[,] Covariance(ReadOnlySpan<double> mobile, ReadOnlySpan<double> reference)
    {
        var h = new double[3, 3];
        for (int k = 0; k + 2 < mobile.Length; k += 3)
            for (int a = 0; a < 3; a++)
                for (int b = 0; b < 3; b++)
                    h[a, b] += mobile[k + a] * reference[k + b];
        return h;
    }

    internal static int CheckShape(ReadOnlySpan<double> mobile, ReadOnlySpan<double> reference)
    {
        if (mobile.Length != reference.Length)
            throw new ArgumentException($"The point sets differ in size ({mobile.Length} vs {reference.Length} values).", nameof(mobile));
        if (mobile.Length % 3 != 0)
            throw new ArgumentException($"{mobile.Length} values are not [atom, xyz] triples.", nameof(mobile));
        return mobile.Length / 3;
    }
}
