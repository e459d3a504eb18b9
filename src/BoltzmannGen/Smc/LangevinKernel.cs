using BoltzmannGen.Numerics;

namespace BoltzmannGen.Smc;

/// <summary>The move applied at each β: Metropolis-adjusted (exact for π_β) or unadjusted Langevin (cheaper in spirit, biased by the step).</summary>
public enum SmcKernel { Mala, Langevin }

/// <summary>
/// One Langevin sweep over the population for the latent density log π_β(z) = −½|z|² + β·ℓ(z) (+ const):
/// z' = z + ε·∇log π_β(z) + √(2ε)·ξ. MALA accepts with min(1, π_β(z')q(z|z') / π_β(z)q(z'|z)), which leaves π_β
/// invariant; the unadjusted kernel always accepts, so its stationary law is π_β only as ε → 0. Both reject a
/// proposal whose ℓ is −∞ (an invalid or non-finite sample) and never move a particle with ℓ = −∞ (it has zero
/// weight). One evaluation of ℓ and ∇ℓ per moved particle.
/// </summary>
public static class LangevinKernel
{
    /// <summary>What one sweep did.</summary>
    /// <param name="Acceptance">mean Metropolis acceptance probability over the particles moved (for the unadjusted kernel: what MALA would have accepted)</param>
    /// <param name="Accepted">fraction of the moved particles that took their proposal</param>
    /// <param name="Moved">particles with finite ℓ, which were proposed a move</param>
    public readonly record struct Sweep(double Acceptance, double Accepted, int Moved);

    public static Sweep Move(Particles particles, ILatentTarget target, double beta, double stepSize, SmcKernel kernel, Xoshiro256 random)
    {
        if (!(stepSize > 0)) throw new ArgumentOutOfRangeException(nameof(stepSize), stepSize, "the step size must be positive.");
        int d = particles.Dimension;
        var alive = Enumerable.Range(0, particles.Count).Where(particles.Alive).ToArray();
        if (alive.Length == 0) return new Sweep(0, 0, 0);
        var noise = GaussianNoise.Draw(alive.Length * d, random);
        var proposal = new double[alive.Length * d];
        double scale = Math.Sqrt(2 * stepSize);
        for (int j = 0; j < alive.Length; j++)
        {
            int i = alive[j];
            for (int c = 0; c < d; c++)
            {
                double z = particles.Z[i * d + c];
                double drift = -z + beta * particles.Gradient[i * d + c];
                proposal[j * d + c] = z + stepSize * drift + scale * noise[j * d + c];
            }
        }
        var evaluated = target.Evaluate(proposal, withGradient: true);

        double acceptanceSum = 0;
        int accepted = 0;
        for (int j = 0; j < alive.Length; j++)
        {
            int i = alive[j];
            double logAlpha = LogAcceptance(particles, i, proposal, evaluated, j, beta, stepSize, noise);
            double probability = logAlpha >= 0 ? 1 : Math.Exp(logAlpha);
            acceptanceSum += probability;
            bool take = double.IsFinite(evaluated.LogWeight[j]) &&
                        (kernel == SmcKernel.Langevin || Math.Log(1 - random.NextDouble()) < logAlpha);
            if (!take) continue;
            particles.Take(i, proposal, evaluated, j);
            accepted++;
        }
        return new Sweep(acceptanceSum / alive.Length, (double)accepted / alive.Length, alive.Length);
    }

    // log of π_β(z')q(z|z') / (π_β(z)q(z'|z)); −∞ for a proposal with zero density.
    private static double LogAcceptance(Particles particles, int i, double[] proposal, LatentBatch evaluated, int j,
                                        double beta, double stepSize, double[] noise)
    {
        double ellNew = evaluated.LogWeight[j];
        if (!double.IsFinite(ellNew)) return double.NegativeInfinity;
        int d = particles.Dimension;
        double normOld = 0, normNew = 0, forward = 0, backward = 0;
        for (int c = 0; c < d; c++)
        {
            double z = particles.Z[i * d + c], zNew = proposal[j * d + c];
            normOld += z * z;
            normNew += zNew * zNew;
            // z' − z − ε·drift(z) = √(2ε)·ξ, so the forward density needs only the noise.
            forward += noise[j * d + c] * noise[j * d + c];
            double driftNew = -zNew + beta * evaluated.Gradient![j * d + c];
            double back = z - zNew - stepSize * driftNew;
            backward += back * back;
        }
        double logPiNew = -0.5 * normNew + beta * ellNew, logPiOld = -0.5 * normOld + beta * particles.LogWeight[i];
        return logPiNew - logPiOld - backward / (4 * stepSize) + 0.5 * forward;
    }
}
