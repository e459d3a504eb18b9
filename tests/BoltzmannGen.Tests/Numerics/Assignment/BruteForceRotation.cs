namespace BoltzmannGen.Tests.Numerics.Assignment;

/// <summary>
/// min over proper rotations R of Σ_k ‖R m_k − r_k‖², found by search alone: no SVD, no eigenproblem, no
/// cross-covariance algebra, so it shares nothing with the Kabsch alignment or the quaternion cost it checks.
/// <para>Two stages: the best of <c>samples</c> uniformly random rotations (normalised Gaussian quaternions) plus
/// the identity, then a pattern search that tries the six rotations by ±h about the x, y and z axes, keeps any that lowers
/// the sum, and halves h when none does, down to h &lt; 1e-10 rad. Why that finds the global minimum and not a local
/// one: on unit quaternions the sum is c − qᵀKq for a symmetric 4×4 K, whose only local minimum on the sphere is ±(top
/// eigenvector of K); every other critical point is a saddle or a maximum, so descent cannot stall elsewhere.</para>
/// <para>The result is the sum at a rotation actually found, so it is an upper bound on the true minimum; at the last
/// step size it is within ~(curvature · (1e-10 · condition)²) of it; on the test sets it agrees with Kabsch to < 1e-14
/// relative.</para>
/// </summary>
internal static class BruteForceRotation
{
    public static double MinimumSquaredDistance(double[] mobile, double[] reference, int samples = 2000, int seed = 1)
    {
        if (mobile.Length != reference.Length || mobile.Length % 3 != 0) throw new ArgumentException("mismatched point sets");
        // Rotations are kept as unit quaternions (w, x, y, z), renormalised after every product, so the search cannot
        // drift off the rotation group into a slightly shrunken "rotation" that would undercut the true minimum.
        double[] best = [1, 0, 0, 0];
        double bestSum = Sum(best, mobile, reference);
        var random = new Random(seed);
        for (int s = 0; s < samples; s++)
        {
            var q = Normalised(AssignmentTestData.Gaussian(random.Next(), 1, 4));
            double sum = Sum(q, mobile, reference);
            if (sum < bestSum) (best, bestSum) = (q, sum);
        }

        for (double h = 0.2; h >= 1e-10;)
        {
            bool improved = false;
            for (int axis = 0; axis < 3; axis++)
                foreach (double sign in (ReadOnlySpan<double>)[1.0, -1.0])
                {
                    var step = new double[4];
                    step[0] = Math.Cos(sign * h / 2);
                    step[1 + axis] = Math.Sin(sign * h / 2); // rotation by ±h about that axis
                    var trial = Normalised(Product(step, best));
                    double sum = Sum(trial, mobile, reference);
                    if (sum < bestSum)
                    {
                        (best, bestSum) = (trial, sum);
                        improved = true;
                    }
                }
            if (!improved) h /= 2;
        }
        return bestSum;
    }

    /// <summary>Σ_k ‖R(q) m_k − r_k‖², atom by atom.</summary>
    private static double Sum(double[] q, double[] m, double[] x)
    {
        double w = q[0], a = q[1], b = q[2], c = q[3];
        double[,] r =
        {
            { 1 - 2 * (b * b + c * c), 2 * (a * b - c * w), 2 * (a * c + b * w) },
            { 2 * (a * b + c * w), 1 - 2 * (a * a + c * c), 2 * (b * c - a * w) },
            { 2 * (a * c - b * w), 2 * (b * c + a * w), 1 - 2 * (a * a + b * b) },
        };
        double s = 0;
        for (int k = 0; k < m.Length; k += 3)
            for (int i = 0; i < 3; i++)
            {
                double d = r[i, 0] * m[k] + r[i, 1] * m[k + 1] + r[i, 2] * m[k + 2] - x[k + i];
                s += d * d;
            }
        return s;
    }

    /// <summary>Hamilton product p ⊗ q (apply q, then p).</summary>
    private static double[] Product(double[] p, double[] q) =>
    [
        p[0] * q[0] - p[1] * q[1] - p[2] * q[2] - p[3] * q[3],
        p[0] * q[1] + p[1] * q[0] + p[2] * q[3] - p[3] * q[2],
        p[0] * q[2] - p[1] * q[3] + p[2] * q[0] + p[3] * q[1],
        p[0] * q[3] + p[1] * q[2] - p[2] * q[1] + p[3] * q[0],
    ];

    private static double[] Normalised(double[] q)
    {
        double n = Math.Sqrt(q.Sum(v => v * v));
        return q.Select(v => v / n).ToArray();
    }
}
