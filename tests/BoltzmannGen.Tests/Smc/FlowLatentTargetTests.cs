using BoltzmannGen.Sampling;
using BoltzmannGen.Flows;
using BoltzmannGen.Numerics;
using BoltzmannGen.Smc;
using BoltzmannGen.Tests.Coordinates;
using BoltzmannGen.Tests.FineTuning;
using BoltzmannGen.Tests.Support;
using TorchSharp;
using static BoltzmannGen.Tests.Flows.FlowTestSupport;
using static TorchSharp.torch;

namespace BoltzmannGen.Tests.Smc;

/// <summary>
/// The flow's latent target against references: ℓ(z) = −u(F(z)) − log q(F(z)) from the flow's own sampling map and the
/// energy, and ∇_z ℓ from the backward pass against central differences of ℓ along random directions — for a
/// Cartesian flow on an analytic Gaussian energy and for an internal-coordinate flow on aldp's force field (OpenMM
/// forces, the differentiable decode).
/// </summary>
public class FlowLatentTargetTests
{
    private const double H = 1e-5;

    private static double[] Draws(int count, ulong seed) => GaussianNoise.Draw(count, new Xoshiro256(seed));

    /// <summary>Checks ℓ and ∇ℓ of <paramref name="target"/> at n prior draws; returns how many had finite ℓ.</summary>
    /// <param name="chunk">the target's chunk size: the reference scores the same chunks (a poisoned frame index is per call)</param>
    private static int CheckAgainstFiniteDifferences(FlowLatentTarget target, BoltzmannFlow model, ITargetEnergy energy, int n, double tolerance,
                                                     int chunk = int.MaxValue)
    {
        int d = target.Dimension;
        var z = Draws(n * d, 3);
        var batch = target.Evaluate(z, withGradient: true);
        // ℓ itself: the flow's sampling map and the energy, without the latent target.
        using (no_grad())
        {
            var (_, positions, logQ) = model.SampleFrom(tensor(z, [n, d], float64).to(model.DType));
            var x = positions.to(float64).data<double>().ToArray();
            var lq = logQ.data<double>().ToArray();
            int per = x.Length / n;
            for (int start = 0; start < n; start += chunk)
            {
                int b = Math.Min(chunk, n - start);
                var scored = energy.Score(x.AsSpan(start * per, b * per).ToArray(), withForces: false);
                for (int j = 0; j < b; j++)
                {
                    int i = start + j;
                    bool usable = scored.Valid[j] && double.IsFinite(scored.Reduced[j]) && double.IsFinite(lq[i]);
                    if (usable) Assert.Equal(-scored.Reduced[j] - lq[i], batch.LogWeight[i], 1e-8 * (1 + Math.Abs(batch.LogWeight[i])));
                    else Assert.True(double.IsNegativeInfinity(batch.LogWeight[i]));
                }
            }
        }
        // The no-gradient path (the double-precision map instead of the differentiable decode) agrees up to rounding.
        var plain = target.Evaluate(z, withGradient: false).LogWeight;
        for (int i = 0; i < n; i++)
            if (double.IsFinite(batch.LogWeight[i])) Assert.Equal(batch.LogWeight[i], plain[i], 1e-10 * (1 + Math.Abs(plain[i])));
            else Assert.True(double.IsNegativeInfinity(plain[i]));

        var v = Draws(n * d, 5);
        var plus = z.Zip(v, (a, b) => a + H * b).ToArray();
        var minus = z.Zip(v, (a, b) => a - H * b).ToArray();
        var lp = target.Evaluate(plus, withGradient: false).LogWeight;
        var lm = target.Evaluate(minus, withGradient: false).LogWeight;
        int checkedCount = 0;
        for (int i = 0; i < n; i++)
        {
            if (!double.IsFinite(batch.LogWeight[i]) || !double.IsFinite(lp[i]) || !double.IsFinite(lm[i])) continue;
            double analytic = 0, norm = 0;
            for (int c = 0; c < d; c++)
            {
                analytic += batch.Gradient![i * d + c] * v[i * d + c];
                norm += batch.Gradient[i * d + c] * batch.Gradient[i * d + c];
            }
            double numeric = (lp[i] - lm[i]) / (2 * H);
            // Relative to the gradient's size along a unit-ish direction (|v| ≈ √D).
            Assert.True(Math.Abs(numeric - analytic) < tolerance * Math.Sqrt(norm * d),
                $"particle {i}: ∇ℓ·v = {analytic:G8}, central difference {numeric:G8}, |∇ℓ| = {Math.Sqrt(norm):G4}");
            checkedCount++;
        }
        return checkedCount;
    }

    [Fact]
    public void Cartesian_flow_on_a_Gaussian_energy()
    {
        const int atoms = 5;
        var energy = new GaussianTarget(atoms, GaussianTarget.CentredTemplate(atoms), [0.1, 0.2, 0.15]);
        var model = BoltzmannFlow.Create(atoms, 0.3, "resnvp", Small).to(float64);
        Perturb(model, 0.05, 13);
        // A NaN energy and NaN forces for the third frame of every call: ℓ = −∞ there, and the other rows' gradients stay clean.
        energy.Poison[2] = double.NaN;
        var target = new FlowLatentTarget(model, energy, chunk: 3); // chunks of 3 cut the batch of 8 unevenly; particles 2 and 5 are poisoned
        Assert.Equal(6, CheckAgainstFiniteDifferences(target, model, energy, 8, 1e-6, chunk: 3));
    }

    [Fact]
    public void Internal_coordinate_flow_on_aldp()
    {
        var system = EnergyFixtures.System("aldp");
        var model = BoltzmannFlow.Create(system.AtomCount, 0.05, "resnvp", Small, CoordinateData.AldpMap).to(float64);
        Perturb(model, 0.01, 17);
        using var energy = new BoltzmannTarget(system, new BoltzmannGen.Energy.EnergyOptions { Threads = 1 });
        var target = new FlowLatentTarget(model, energy);
        // Near the identity the flow draws standardised internal coordinates close to MD's: most samples are molecules.
        Assert.True(CheckAgainstFiniteDifferences(target, model, energy, 6, 1e-5) >= 3);
    }
}
