using BoltzmannGen.Numerics;

namespace BoltzmannGen.Sampling;

/// <summary>
/// Importance weights of Boltzmann-generator samples (docs/design.md §6.7): log w = −u(x) − log q(x), with w = 0
/// (log w = −∞) for samples whose energy is not finite or that fail the validity check; those still count in n.
/// Everything is computed in log space, so weights spanning hundreds of orders of magnitude are fine.
/// </summary>
public sealed class ImportanceWeights
{
    public ImportanceWeights(double[] logWeights)
    {
        LogWeights = logWeights;
        LogSum = LogSumExp(logWeights);
    }

    /// <summary>Unnormalised log weights; −∞ for zero weight.</summary>
    public double[] LogWeights { get; }

    /// <summary>log Σ w.</summary>
    public double LogSum { get; }

    public int Count => LogWeights.Length;

    /// <param name="reducedEnergies">u(x) = E/k_B T</param>
    /// <param name="logQ">log density of the proposal at x</param>
    /// <param name="valid">false where the sample failed the validity check (null: all valid)</param>
    public static ImportanceWeights From(IReadOnlyList<double> reducedEnergies, IReadOnlyList<double> logQ, IReadOnlyList<bool>? valid = null)
    {
        if (reducedEnergies.Count != logQ.Count) throw new ArgumentException("energies and log q differ in length.");
        var logW = new double[logQ.Count];
        for (int i = 0; i < logW.Length; i++)
        {
            bool ok = (valid is null || valid[i]) && double.IsFinite(reducedEnergies[i]) && double.IsFinite(logQ[i]);
            logW[i] = ok ? -reducedEnergies[i] - logQ[i] : double.NegativeInfinity;
        }
        return new ImportanceWeights(logW);
    }

    /// <summary>Self-normalised weights w_i / Σ w (all zero when every weight is zero).</summary>
    public double[] Normalized()
    {
        if (double.IsNegativeInfinity(LogSum)) return new double[Count];
        return Array.ConvertAll(LogWeights, l => Math.Exp(l - LogSum));
    }

    /// <summary>Kish effective sample size (Σw)² / Σw², computed as exp(2·logΣw − logΣw²).</summary>
    public double EffectiveSampleSize
    {
        get
        {
            if (double.IsNegativeInfinity(LogSum)) return 0;
            double logSumSquares = LogSumExp(Array.ConvertAll(LogWeights, l => 2 * l));
            return Math.Exp(2 * LogSum - logSumSquares);
        }
    }

    /// <summary>ESS / n.</summary>
    public double EffectiveSampleFraction => Count == 0 ? 0 : EffectiveSampleSize / Count;

    /// <summary>How many samples have zero weight (invalid or non-finite).</summary>
    public int ZeroWeightCount => LogWeights.Count(double.IsNegativeInfinity);

    /// <summary>
    /// Caps the largest <paramref name="fraction"/> of the log weights at the smallest of them (weight clipping).
    /// This lowers variance at the price of a bias, which reports must state.
    /// </summary>
    public ImportanceWeights ClipTop(double fraction)
    {
        if (fraction is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(fraction), "clip fraction must be in [0, 1).");
        int k = (int)Math.Floor(fraction * Count);
        if (k == 0) return this;
        var sorted = LogWeights.OrderByDescending(l => l).ToArray();
        double cap = sorted[k];
        return new ImportanceWeights(Array.ConvertAll(LogWeights, l => Math.Min(l, cap)));
    }

    /// <summary>Multinomial resampling to <paramref name="n"/> equally weighted indices.</summary>
    public int[] Resample(int n, Xoshiro256 random)
    {
        var w = Normalized();
        var cumulative = new double[w.Length];
        double c = 0;
        for (int i = 0; i < w.Length; i++) cumulative[i] = c += w[i];
        if (c <= 0) throw new InvalidOperationException("every weight is zero: nothing to resample.");
        var result = new int[n];
        for (int j = 0; j < n; j++)
        {
            int index = Array.BinarySearch(cumulative, random.NextDouble() * c);
            result[j] = Math.Min(index < 0 ? ~index : index, w.Length - 1);
        }
        return result;
    }

    /// <summary>log Σ exp(x_i), stable; −∞ for an empty or all −∞ input.</summary>
    public static double LogSumExp(IReadOnlyList<double> values)
    {
        double max = double.NegativeInfinity;
        foreach (var v in values) if (v > max) max = v;
        if (double.IsNegativeInfinity(max)) return double.NegativeInfinity;
        double sum = 0;
        foreach (var v in values) sum += Math.Exp(v - max);
        return max + Math.Log(sum);
    }
}
