using BoltzmannGen.Smc;

namespace BoltzmannGen.Tests.Smc;

/// <summary>
/// An analytic latent target with the identity as "flow": x = z, log q(x) = log N(z; 0, I), so
/// ℓ(z) = −u(z) − log N(z) and ∇ℓ = −∇u + z. The annealed density at β = 1 is exp(−u), whose normaliser
/// Z = ∫ exp(−u) is what SMC's log Z estimates. <paramref name="energy"/> gives u and ∇u of one point;
/// <paramref name="dead"/> (optional) marks points the target gives zero weight.
/// </summary>
internal sealed class AnalyticLatentTarget(int dimension, Func<double[], (double U, double[] Gradient)> energy,
                                           Func<double[], bool>? dead = null) : ILatentTarget
{
    public int Dimension => dimension;
    public int PositionLength => dimension;
    public long Evaluations { get; private set; }

    public LatentBatch Evaluate(double[] z, bool withGradient)
    {
        int n = z.Length / dimension;
        var ell = new double[n];
        var reduced = new double[n];
        var logQ = new double[n];
        var gradient = withGradient ? new double[z.Length] : null;
        for (int i = 0; i < n; i++)
        {
            var point = z.AsSpan(i * dimension, dimension).ToArray();
            var (u, du) = energy(point);
            double norm = point.Sum(v => v * v);
            logQ[i] = -0.5 * norm - 0.5 * dimension * Math.Log(2 * Math.PI);
            reduced[i] = u;
            ell[i] = dead?.Invoke(point) == true ? double.NegativeInfinity : -u - logQ[i];
            if (gradient is not null) for (int c = 0; c < dimension; c++) gradient[i * dimension + c] = -du[c] + point[c];
        }
        Evaluations += n;
        return new LatentBatch(ell, gradient, reduced, logQ, (double[])z.Clone());
    }

    /// <summary>u = Σ (z_c − m_c)²/(2 s_c²), Z = Π √(2π)·s_c.</summary>
    public static AnalyticLatentTarget Gaussian(double[] mean, double[] sigma) =>
        new(mean.Length, z =>
        {
            double u = 0;
            var g = new double[z.Length];
            for (int c = 0; c < z.Length; c++)
            {
                double d = z[c] - mean[c], s2 = sigma[c] * sigma[c];
                u += 0.5 * d * d / s2;
                g[c] = d / s2;
            }
            return (u, g);
        });

    public static double GaussianLogZ(double[] sigma) => sigma.Sum(s => 0.5 * Math.Log(2 * Math.PI) + Math.Log(s));
}
