using BoltzmannGen.Sampling;

namespace BoltzmannGen.Tests.FineTuning;

/// <summary>
/// An analytic target for fine-tuning tests: centred positions x_c (N atoms) with u = Σ_{i,a} ½·(x_c,ia − m_ia)²/σ_a²,
/// m a centred template. Its exact law: x_c Gaussian with mean m and, per atom and axis, variance σ_a²·(1 − 1/N)
/// (the centring projector's diagonal). ∇u = (x_c − m)/σ_a², already centred. Frames listed in
/// <see cref="Poison"/> get the given energy (NaN, ∞) and NaN gradients, to test that they are kept out of the loss.
/// </summary>
internal sealed class GaussianTarget(int atoms, double[] template, double[] sigmaPerAxis) : ITargetEnergy
{
    public long Evaluations { get; private set; }
    public Dictionary<int, double> Poison { get; } = [];
    public int Atoms => atoms;
    public double[] Template => template;
    public double[] Sigma => sigmaPerAxis;

    public ScoredBatch Score(double[] positions, bool withForces)
    {
        int per = 3 * atoms, n = positions.Length / per;
        var reduced = new double[n];
        var gradients = withForces ? new double[positions.Length] : null;
        var valid = new bool[n];
        for (int f = 0; f < n; f++)
        {
            var c = new double[3];
            for (int i = 0; i < atoms; i++) for (int a = 0; a < 3; a++) c[a] += positions[f * per + 3 * i + a] / atoms;
            double u = 0;
            for (int i = 0; i < atoms; i++)
                for (int a = 0; a < 3; a++)
                {
                    double d = positions[f * per + 3 * i + a] - c[a] - template[3 * i + a];
                    double s2 = sigmaPerAxis[a] * sigmaPerAxis[a];
                    u += 0.5 * d * d / s2;
                    if (gradients is not null) gradients[f * per + 3 * i + a] = d / s2;
                }
            reduced[f] = u;
            valid[f] = true;
            if (Poison.TryGetValue(f, out double bad))
            {
                reduced[f] = bad;
                valid[f] = false;
                if (gradients is not null) for (int k = 0; k < per; k++) gradients[f * per + k] = double.NaN;
            }
        }
        Evaluations += n;
        return new ScoredBatch(reduced, gradients, valid);
    }

    /// <summary>A centred template of N atoms with non-trivial offsets.</summary>
    public static double[] CentredTemplate(int atoms)
    {
        var m = new double[3 * atoms];
        for (int i = 0; i < atoms; i++) for (int a = 0; a < 3; a++) m[3 * i + a] = 0.4 * Math.Sin(1.3 * i + 2.1 * a + 0.5);
        for (int a = 0; a < 3; a++)
        {
            double mean = Enumerable.Range(0, atoms).Average(i => m[3 * i + a]);
            for (int i = 0; i < atoms; i++) m[3 * i + a] -= mean;
        }
        return m;
    }
}
