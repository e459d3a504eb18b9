using BoltzmannGen.Numerics;
using BoltzmannGen.Sampling;

namespace BoltzmannGen.Smc;

/// <summary>How an SMC run anneals, moves and resamples (docs/design.md §6.11).</summary>
public sealed record SmcOptions
{
    public int Particles { get; init; } = 1024;
    public AnnealingSchedule Schedule { get; init; } = AnnealingSchedule.Power(20);
    public SmcKernel Kernel { get; init; } = SmcKernel.Mala;
    /// <summary>Langevin sweeps after each reweighting (0: annealed reweighting and resampling only).</summary>
    public int MovesPerStep { get; init; } = 2;
    /// <summary>Resample when the normalised Kish ESS of the accumulated weights falls below this (0: never, pure AIS).</summary>
    public double ResampleBelow { get; init; } = 0.5;
    /// <summary>Initial Langevin step ε (latent units²: the proposal's spread is √(2ε)).</summary>
    public double StepSize { get; init; } = 0.05;
    /// <summary>Adapt ε after every sweep towards <see cref="TargetAcceptance"/> (the same ε for all particles).</summary>
    public bool AdaptStepSize { get; init; } = true;
    /// <summary>Metropolis acceptance aimed at; null: 0.57 for MALA (its optimal scaling), 0.8 for unadjusted Langevin (a smaller, less biased step).</summary>
    public double? TargetAcceptance { get; init; }
    public ulong Seed { get; init; } = 1;

    public double Acceptance => TargetAcceptance ?? (Kernel == SmcKernel.Mala ? 0.57 : 0.8);
}

/// <summary>One annealing step: β, the normalised ESS of the accumulated weights before any resampling (never at β = 1), and the moves.</summary>
public sealed record SmcStep(int Step, double Beta, double EssBeforeResampling, bool Resampled, double Acceptance, double StepSize,
                             double LogZ, long Evaluations);

/// <summary>
/// The final population: particles with log-weights normalised so that exp(log_w) has mean Ẑ (so a run without
/// moves or resampling gives exactly the importance weights −u − log q), the log Z estimate, and each step.
/// </summary>
public sealed record SmcResult(Particles Particles, double[] LogWeights, double LogZ, IReadOnlyList<SmcStep> Steps, long Evaluations)
{
    public double[] Betas => [0, .. Steps.Select(s => s.Beta)];

    /// <summary>Kish ESS of the final weights as a fraction of n.</summary>
    public double EssFraction => new ImportanceWeights(LogWeights).EffectiveSampleFraction;
}

/// <summary>
/// Sequential Monte Carlo / annealed importance sampling in a flow's latent space (docs/design.md §6.11). Particles
/// start as exact prior draws (π₀ = N(0, I)); each step raises β, multiplies the weights by exp(Δβ·ℓ(z)) evaluated
/// before the move, resamples systematically when the ESS has fallen below a threshold (the mean weight carried into
/// log Z; never at β = 1), then moves every particle with a π_β-invariant Langevin kernel. At β = 1 the weighted
/// particles represent p0·exp(ℓ), whose push-forward through the flow is the Boltzmann density exp(−u).
/// </summary>
public static class SmcSampler
{
    /// <summary>ε stays within these bounds whatever the acceptance does.</summary>
    private const double MinStep = 1e-10, MaxStep = 10;

    public static SmcResult Run(ILatentTarget target, SmcOptions options, IProgress<SmcStep>? progress = null, CancellationToken cancellation = default)
    {
        if (options.Particles < 2) throw new InputException($"--n {options.Particles}: SMC needs at least 2 particles.");
        if (options.MovesPerStep < 0) throw new InputException($"--mcmc-per-step {options.MovesPerStep}: must be 0 or more.");
        if (options.ResampleBelow is < 0 or > 1 || double.IsNaN(options.ResampleBelow))
            throw new InputException($"--resample-below {options.ResampleBelow}: use a fraction in [0, 1].");
        if (!(options.StepSize > 0)) throw new InputException($"--step-size {options.StepSize}: must be positive.");
        if (options.Acceptance is <= 0 or >= 1) throw new InputException($"target acceptance {options.Acceptance}: use a fraction in (0, 1).");

        int n = options.Particles, d = target.Dimension;
        var random = new Xoshiro256(options.Seed);
        bool moves = options.MovesPerStep > 0;
        var z = GaussianNoise.Draw(n * d, random);
        var particles = new Particles(z, d, target.Evaluate(z, withGradient: moves), target.PositionLength);
        var logW = new double[n];
        double logZ = 0, beta = 0, stepSize = options.StepSize;
        var steps = new List<SmcStep>();

        for (int k = 1; beta < 1; k++)
        {
            cancellation.ThrowIfCancellationRequested();
            double next = options.Schedule.Next(k, beta, logW, particles.LogWeight);
            for (int i = 0; i < n; i++)
                logW[i] = double.IsFinite(particles.LogWeight[i]) ? logW[i] + (next - beta) * particles.LogWeight[i] : double.NegativeInfinity;
            beta = next;
            var weights = new ImportanceWeights(logW);
            // With every weight zero (all samples invalid) there is nothing to resample or move; the run still ends at
            // β = 1, with log Z = −∞, as `bgen reweight` reports such samples instead of failing (§4.1).
            bool anyWeight = !double.IsNegativeInfinity(weights.LogSum);
            double ess = weights.EffectiveSampleFraction;
            // Not at β = 1: resampling there only adds noise to every estimate, and the final weights' ESS would say n
            // whatever happened; the last steps' weight degeneracy stays visible in log_w instead.
            bool resample = anyWeight && ess < options.ResampleBelow && beta < 1;
            if (resample)
            {
                // log Z so far takes the mean weight; the copies then start again with equal weights.
                logZ += weights.LogSum - Math.Log(n);
                particles.Select(SystematicResampling.Resample(logW, n, random));
                Array.Clear(logW);
            }
            double acceptance = double.NaN;
            if (moves)
            {
                double sum = 0;
                int sweeps = 0;
                for (int m = 0; m < options.MovesPerStep; m++)
                {
                    var sweep = LangevinKernel.Move(particles, target, beta, stepSize, options.Kernel, random);
                    if (sweep.Moved == 0) break;
                    sum += sweep.Acceptance;
                    sweeps++;
                    // Multiplicative adaptation: ×e^{±2·(a − a*)} per sweep, e.g. ×0.32 when nothing is accepted.
                    if (options.AdaptStepSize)
                        stepSize = Math.Clamp(stepSize * Math.Exp(2 * (sweep.Acceptance - options.Acceptance)), MinStep, MaxStep);
                }
                acceptance = sweeps == 0 ? double.NaN : sum / sweeps;
            }
            var step = new SmcStep(k, beta, ess, resample, acceptance, stepSize, logZ + LogMeanExp(logW), target.Evaluations);
            steps.Add(step);
            progress?.Report(step);
        }
        double final = LogMeanExp(logW);
        var logWeights = Array.ConvertAll(logW, l => logZ + l);
        return new SmcResult(particles, logWeights, logZ + final, steps, target.Evaluations);
    }

    private static double LogMeanExp(double[] values) => ImportanceWeights.LogSumExp(values) - Math.Log(values.Length);
}
