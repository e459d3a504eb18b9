using System.Globalization;

namespace BoltzmannGen.Smc;

/// <summary>
/// The inverse temperatures 0 = β₀ &lt; β₁ &lt; … &lt; β_K = 1 of the annealing path π_β ∝ p0·exp(β·ℓ) (docs/design.md §6.11):
/// a fixed list (a power law or the user's own), or adaptive, each next β chosen so the conditional ESS of the
/// incremental weights stays at a target fraction.
/// </summary>
public sealed class AnnealingSchedule
{
    /// <summary>Bisection steps on Δβ: 60 halvings reach the resolution of a double.</summary>
    private const int Bisections = 60;

    private readonly double[]? _betas;

    private AnnealingSchedule(double[]? betas, double conditionalEss, int maxSteps)
    {
        _betas = betas;
        ConditionalEss = conditionalEss;
        MaxSteps = maxSteps;
    }

    /// <summary>True when each β is chosen from the particles.</summary>
    public bool IsAdaptive => _betas is null;

    /// <summary>Fixed: the number of steps K; adaptive: the most steps taken (the last then goes straight to β = 1).</summary>
    public int MaxSteps { get; }

    /// <summary>Adaptive: the conditional ESS each step keeps, as a fraction of its value for a vanishing step.</summary>
    public double ConditionalEss { get; }

    /// <summary>The fixed βs after β₀ = 0, or null when adaptive.</summary>
    public IReadOnlyList<double>? Betas => _betas;

    /// <summary>
    /// β_k = (k/K)^p. p &gt; 1 spaces the early steps densely, where the proposal's log-weights are widest: the
    /// increments' spread is Δβ times the spread of ℓ under π_β, which narrows as β grows.
    /// </summary>
    public static AnnealingSchedule Power(int steps, double exponent = 2)
    {
        if (steps < 1) throw new InputException($"--steps {steps}: need at least one annealing step.");
        if (!(exponent > 0)) throw new InputException($"the schedule's exponent must be positive, not {exponent}.");
        var betas = new double[steps];
        for (int k = 1; k <= steps; k++) betas[k - 1] = Math.Pow((double)k / steps, exponent);
        betas[^1] = 1; // exactly, whatever the rounding
        return new AnnealingSchedule(betas, double.NaN, steps);
    }

    /// <summary>A given list (a leading 0 may be included); strictly increasing in (0, 1] and ending at exactly 1.</summary>
    public static AnnealingSchedule Explicit(IReadOnlyList<double> betas)
    {
        var list = betas.SkipWhile((b, i) => i == 0 && b == 0).ToArray();
        if (list.Length == 0) throw new InputException("--betas: the schedule is empty; give increasing values ending at 1, e.g. 0.1,0.4,1.");
        for (int i = 0; i < list.Length; i++)
        {
            double previous = i == 0 ? 0 : list[i - 1];
            if (!double.IsFinite(list[i]) || list[i] <= previous || list[i] > 1)
                throw new InputException($"--betas: {Format(list[i])} at position {i + 1} is not in ({Format(previous)}, 1]; the βs must increase strictly from 0 to 1.");
        }
        if (list[^1] != 1)
            throw new InputException($"--betas: the schedule ends at {Format(list[^1])}, not 1; only β = 1 is the Boltzmann density.");
        return new AnnealingSchedule(list, double.NaN, list.Length);
    }

    /// <param name="conditionalEss">fraction in (0, 1) of the conditional ESS each step keeps (e.g. 0.9)</param>
    /// <param name="maxSteps">at most this many steps; the last goes to β = 1 whatever its ESS</param>
    public static AnnealingSchedule Adaptive(double conditionalEss = 0.9, int maxSteps = 500)
    {
        if (conditionalEss is <= 0 or >= 1 || double.IsNaN(conditionalEss))
            throw new InputException($"--ess-target {Format(conditionalEss)}: use a fraction in (0, 1), e.g. 0.9.");
        if (maxSteps < 1) throw new InputException($"--steps {maxSteps}: need at least one annealing step.");
        return new AnnealingSchedule(null, conditionalEss, maxSteps);
    }

    /// <summary>
    /// β_k for step k (1-based) from β_{k−1} = <paramref name="beta"/>, given the particles' accumulated log-weights
    /// and ℓ. Adaptive: the largest β ≤ 1 whose conditional ESS is at least the target fraction of its limit.
    /// </summary>
    public double Next(int step, double beta, IReadOnlyList<double> logWeights, IReadOnlyList<double> ell)
    {
        if (_betas is not null) return _betas[step - 1];
        if (step >= MaxSteps) return 1;
        double limit = ConditionalEssFraction(logWeights, ell, 0);
        double goal = ConditionalEss * limit, room = 1 - beta;
        if (ConditionalEssFraction(logWeights, ell, room) >= goal) return 1;
        double lo = 0, hi = room;
        for (int i = 0; i < Bisections; i++)
        {
            double mid = 0.5 * (lo + hi);
            if (ConditionalEssFraction(logWeights, ell, mid) >= goal) lo = mid;
            else hi = mid;
        }
        // lo > 0 unless the ESS fell below the goal within a double's resolution of β; then take the smallest step tried.
        return beta + (lo > 0 ? lo : hi);
    }

    /// <summary>
    /// Conditional ESS of the incremental weights exp(Δβ·ℓ) under the current normalised weights W (Zhou, Johansen
    /// &amp; Aston 2016): (Σ W e^{Δβℓ})² / Σ W e^{2Δβℓ}, a fraction of 1. For Δβ → 0⁺ it tends to the share of weight
    /// held by particles with finite ℓ, which is what <paramref name="deltaBeta"/> = 0 returns; particles with
    /// ℓ = −∞ drop out at any positive step.
    /// </summary>
    public static double ConditionalEssFraction(IReadOnlyList<double> logWeights, IReadOnlyList<double> ell, double deltaBeta)
    {
        int n = logWeights.Count;
        var first = new double[n];
        var second = new double[n];
        for (int i = 0; i < n; i++)
        {
            bool alive = double.IsFinite(ell[i]);
            first[i] = alive ? logWeights[i] + deltaBeta * ell[i] : double.NegativeInfinity;
            second[i] = alive ? logWeights[i] + 2 * deltaBeta * ell[i] : double.NegativeInfinity;
        }
        double all = Sampling.ImportanceWeights.LogSumExp(logWeights), a = Sampling.ImportanceWeights.LogSumExp(first),
               b = Sampling.ImportanceWeights.LogSumExp(second);
        if (double.IsNegativeInfinity(a)) return 0;
        return Math.Exp(2 * a - b - all);
    }

    private static string Format(double v) => v.ToString("G6", CultureInfo.InvariantCulture);
}
