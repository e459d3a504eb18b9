namespace BoltzmannGen.Analysis;

/// <summary>
/// The Pareto shape k̂ of the largest importance weights: PSIS's reliability diagnostic (Vehtari, Simpson, Gelman,
/// Yao &amp; Gabry, JMLR 2024). The top M = min(⌈S/5⌉, ⌈3√S⌉) of S finite weights, minus the next largest, are fitted
/// with a generalised Pareto distribution (the empirical-Bayes estimate of Zhang &amp; Stephens 2009, then shrunk
/// towards 0.5 as PSIS does with a prior of 10 pseudo-observations). A weight distribution whose tail has shape k has
/// finite variance only for k &lt; 1/2, so a Kish ESS computed from it is a noisy figure for k &gt; 1/2 and unreliable
/// for k &gt; 0.7 (PSIS's threshold min(1 − 1/log₁₀ S, 0.7)): a few extreme draws set it, and another seed gives another.
/// </summary>
public static class ParetoTail
{
    private const double MachineEpsilon = 2.220446049250313e-16;

    /// <summary>PSIS's reliability bound on k̂ for <paramref name="samples"/> draws.</summary>
    public static double Threshold(int samples) => Math.Min(1 - 1 / Math.Log10(samples), 0.7);

    /// <summary>k̂ of the log-weights' tail; null with fewer than 5 tail weights or a tail without spread.</summary>
    public static double? Shape(IEnumerable<double> logWeights)
    {
        var finite = logWeights.Where(double.IsFinite).ToArray();
        Array.Sort(finite);
        int s = finite.Length;
        int m = (int)Math.Min(Math.Ceiling(0.2 * s), Math.Ceiling(3 * Math.Sqrt(s)));
        if (m < 5 || s <= m) return null;
        double top = finite[s - 1], cutoff = Math.Exp(finite[s - m - 1] - top);
        // Exceedances over the (M+1)-th largest weight, in units of the largest: k is scale-free.
        var exceedances = new double[m];
        for (int i = 0; i < m; i++) exceedances[i] = Math.Exp(finite[s - m + i] - top) - cutoff;
        return exceedances[^1] > 0 ? GeneralisedParetoShape(exceedances) : null;
    }

    /// <summary>
    /// Shape k of a generalised Pareto distribution fitted to positive exceedances (ascending): Zhang &amp; Stephens'
    /// posterior mean of b = −k/σ over a grid of 30 + ⌊√n⌋ points, k = mean log(1 − b·x), then PSIS's shrinkage
    /// (n·k + 10·0.5)/(n + 10).
    /// </summary>
    public static double GeneralisedParetoShape(IReadOnlyList<double> x)
    {
        int n = x.Count;
        int grid = 30 + (int)Math.Sqrt(n);
        double quartile = x[Math.Max(0, (int)Math.Floor(n / 4.0 + 0.5) - 1)];
        var b = new double[grid];
        var profile = new double[grid];
        for (int j = 0; j < grid; j++)
        {
            // b ≤ 1/max x keeps every 1 − b·x positive.
            b[j] = 1 / x[n - 1] + (1 - Math.Sqrt(grid / (j + 0.5))) / (3 * quartile);
            double k = MeanLog1p(b[j], x);
            profile[j] = n * (Math.Log(-b[j] / k) - k - 1); // the profile log-likelihood of b
        }
        // Posterior weights ∝ exp(profile), normalised without overflow; points with a non-finite profile weigh 0.
        double best = profile.Where(double.IsFinite).DefaultIfEmpty(0).Max();
        double sumWeights = 0, sumWeightedB = 0;
        for (int j = 0; j < grid; j++)
        {
            if (!double.IsFinite(profile[j])) continue;
            double w = Math.Exp(profile[j] - best);
            if (w < 10 * MachineEpsilon) continue; // negligible grid points, as in PSIS
            sumWeights += w;
            sumWeightedB += w * b[j];
        }
        double shape = MeanLog1p(sumWeightedB / sumWeights, x);
        return (n * shape + 10 * 0.5) / (n + 10);
    }

    private static double MeanLog1p(double b, IReadOnlyList<double> x)
    {
        double sum = 0;
        for (int i = 0; i < x.Count; i++) sum += Math.Log(1 - b * x[i]);
        return sum / x.Count;
    }
}
