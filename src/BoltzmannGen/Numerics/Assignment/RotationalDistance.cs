namespace BoltzmannGen.Numerics.Assignment;

/// <summary>
/// min over proper rotations R of Σ_k ||R m_k − r_k||², without an SVD, for use as an assignment cost (one value
/// per pair, so it must cost ~100 ns, not the microseconds of a general SVD). The minimum is
/// G_m + G_r − 2λ with λ the largest eigenvalue of Horn's symmetric traceless 4×4 quaternion matrix N(H)
/// (J. Opt. Soc. Am. A 4, 629 (1987)); λ equals s1 + s2 + sign(det H)·s3 of the Kabsch SVD, so it is the same
/// proper-rotation optimum as <see cref="Kabsch.Align"/>. λ is found by Newton's method on the characteristic
/// polynomial λ⁴ + c2λ² + c1λ + c0 from the upper bound (G_m + G_r)/2: all roots are real, so Newton descends
/// monotonically onto the largest one (the idea of Theobald's QCP, Acta Cryst. A 61, 478 (2005)).
/// </summary>
public static class RotationalDistance
{
    /// <summary>The squared distance after optimal proper rotation of <paramref name="mobile"/> onto <paramref name="reference"/> (both centred, [atom, xyz]).</summary>
    public static double Squared(ReadOnlySpan<double> mobile, ReadOnlySpan<double> reference)
    {
        Kabsch.CheckShape(mobile, reference);
        double gm = 0, gr = 0;
        foreach (double x in mobile) gm += x * x;
        foreach (double x in reference) gr += x * x;
        return Squared(mobile, reference, gm, gr);
    }

    /// <summary>As <see cref="Squared(ReadOnlySpan{double}, ReadOnlySpan{double})"/> with the squared norms G_m, G_r precomputed; no shape checks.</summary>
    internal static double Squared(ReadOnlySpan<double> m, ReadOnlySpan<double> r, double gm, double gr)
    {
        double sxx = 0, sxy = 0, sxz = 0, syx = 0, syy = 0, syz = 0, szx = 0, szy = 0, szz = 0;
        for (int k = 0; k + 2 < m.Length; k += 3)
        {
            double mx = m[k], my = m[k + 1], mz = m[k + 2];
            double rx = r[k], ry = r[k + 1], rz = r[k + 2];
            sxx += mx * rx; sxy += mx * ry; sxz += mx * rz;
            syx += my * rx; syy += my * ry; syz += my * rz;
            szx += mz * rx; szy += mz * ry; szz += mz * rz;
        }

        // Horn's N (symmetric, traceless).
        double n00 = sxx + syy + szz, n01 = syz - szy, n02 = szx - sxz, n03 = sxy - syx;
        double n11 = sxx - syy - szz, n12 = sxy + syx, n13 = szx + sxz;
        double n22 = -sxx + syy - szz, n23 = syz + szy;
        double n33 = -sxx - syy + szz;

        // Characteristic polynomial from traces: c2 = −tr(N²)/2, c1 = −tr(N³)/3, c0 = det N (tr N = 0).
        double trN2 = n00 * n00 + n11 * n11 + n22 * n22 + n33 * n33
                      + 2 * (n01 * n01 + n02 * n02 + n03 * n03 + n12 * n12 + n13 * n13 + n23 * n23);
        // N² entries needed for tr(N³) = Σ_ij (N²)_ij N_ij.
        double p00 = n00 * n00 + n01 * n01 + n02 * n02 + n03 * n03;
        double p11 = n01 * n01 + n11 * n11 + n12 * n12 + n13 * n13;
        double p22 = n02 * n02 + n12 * n12 + n22 * n22 + n23 * n23;
        double p33 = n03 * n03 + n13 * n13 + n23 * n23 + n33 * n33;
        double p01 = n00 * n01 + n01 * n11 + n02 * n12 + n03 * n13;
        double p02 = n00 * n02 + n01 * n12 + n02 * n22 + n03 * n23;
        double p03 = n00 * n03 + n01 * n13 + n02 * n23 + n03 * n33;
        double p12 = n01 * n02 + n11 * n12 + n12 * n22 + n13 * n23;
        double p13 = n01 * n03 + n11 * n13 + n12 * n23 + n13 * n33;
        double p23 = n02 * n03 + n12 * n13 + n22 * n23 + n23 * n33;
        double trN3 = p00 * n00 + p11 * n11 + p22 * n22 + p33 * n33
                      + 2 * (p01 * n01 + p02 * n02 + p03 * n03 + p12 * n12 + p13 * n13 + p23 * n23);
        double c2 = -0.5 * trN2, c1 = -trN3 / 3, c0 = Determinant(n00, n01, n02, n03, n11, n12, n13, n22, n23, n33);

        double lambda = 0.5 * (gm + gr);
        for (int iteration = 0; iteration < 100; iteration++)
        {
            double l2 = lambda * lambda;
            double f = (l2 + c2) * l2 + c1 * lambda + c0;
            double df = (4 * l2 + 2 * c2) * lambda + c1;
            if (df <= 0) break; // at (or, by rounding, past) a double root: λ is as good as it gets
            double step = f / df;
            lambda -= step;
            // Quadratic convergence: once a step is ≤ 1e-10·λ the remaining error is ~1e-20·λ, below rounding.
            // A negative step is rounding noise at the root (Newton from above only descends).
            if (step <= 1e-10 * Math.Abs(lambda)) break;
        }
        return Math.Max(0, gm + gr - 2 * lambda);
    }

    /// <summary>Determinant of a symmetric 4×4 matrix by Laplace expansion along the first two rows (2×2 minors).</summary>
    private static double Determinant(double a00, double a01, double a02, double a03, double a11, double a12, double a13,
        double a22, double a23, double a33)
    {
        double s0 = a00 * a11 - a01 * a01, s1 = a00 * a12 - a01 * a02, s2 = a00 * a13 - a01 * a03;
        double s3 = a01 * a12 - a11 * a02, s4 = a01 * a13 - a11 * a03, s5 = a02 * a13 - a12 * a03;
        double t5 = a22 * a33 - a23 * a23, t4 = a12 * a33 - a13 * a23, t3 = a12 * a23 - a13 * a22;
        double t2 = a02 * a33 - a03 * a23, t1 = a02 * a23 - a03 * a22, t0 = a02 * a13 - a03 * a12;
        return s0 * t5 - s1 * t4 + s2 * t3 + s3 * t2 - s4 * t1 + s5 * t0;
    }
}
