namespace BoltzmannGen.Analysis;

/// <summary>
/// The weight conventions shared by every metric in this folder.
/// <list type="bullet">
/// <item>Weights are optional; <c>null</c> means every sample weighs 1.</item>
/// <item>Weights are self-normalised: only their ratios matter, so importance weights w = exp(log w) can be
/// passed unnormalised (or shifted by any constant in log space before exponentiating).</item>
/// <item>Each weight must be finite and ≥ 0, and at least one must be positive.</item>
/// <item>A sample with weight 0 is ignored entirely — its value may be NaN or ±∞ (e.g. a clashing conformation
/// whose energy overflowed, which the reweighting stage gives w = 0). A non-finite value with a
/// positive weight (or with no weights) is an error that names the argument and the index.</item>
/// </list>
/// </summary>
internal static class SampleWeights
{
    /// <summary>
    /// Checks <paramref name="weights"/> against <paramref name="count"/> samples and returns them as an array
    /// (all ones when null). The sum is positive on return.
    /// </summary>
    public static double[] Resolve(int count, double[]? weights, string weightsName, string samplesName)
    {
        if (count == 0)
            throw new ArgumentException($"'{samplesName}' is empty: at least one sample is needed.", samplesName);
        if (weights is null)
        {
            var ones = new double[count];
            Array.Fill(ones, 1.0);
            return ones;
        }
        if (weights.Length != count)
            throw new ArgumentException(
                $"'{weightsName}' has {weights.Length} entries but '{samplesName}' has {count} samples; they must match.", weightsName);
        double sum = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            double w = weights[i];
            if (!double.IsFinite(w))
                throw new ArgumentException($"'{weightsName}'[{i}] is {w}; weights must be finite (use 0 to drop a sample).", weightsName);
            if (w < 0)
                throw new ArgumentException($"'{weightsName}'[{i}] is {w}; weights must be non-negative.", weightsName);
            sum += w;
        }
        if (!(sum > 0))
            throw new ArgumentException($"Every entry of '{weightsName}' is zero: there is no sample to estimate from.", weightsName);
        return weights;
    }

    /// <summary>Throws if a sample with positive weight has a non-finite value.</summary>
    public static void RequireFinite(ReadOnlySpan<double> values, double[] weights, string samplesName, string what = "value")
    {
        for (int i = 0; i < values.Length; i++)
            if (weights[i] > 0 && !double.IsFinite(values[i]))
                throw new ArgumentException(
                    $"'{samplesName}'[{i}] is {values[i]} but has positive weight {weights[i]}; a non-finite {what} is allowed only with weight 0.",
                    samplesName);
    }
}

/// <summary>Percentiles of bootstrap replicates.</summary>
internal static class Percentile
{
    /// <summary>
    /// The q-quantile (0 ≤ q ≤ 1) of ascending <paramref name="sorted"/> by linear interpolation between order
    /// statistics (Hyndman–Fan type 7, numpy's default). ±∞ entries are allowed: interpolating towards an
    /// infinite neighbour gives that infinity, never NaN.
    /// </summary>
    public static double OfSorted(ReadOnlySpan<double> sorted, double q)
    {
        if (sorted.Length == 0) return double.NaN;
        double h = (sorted.Length - 1) * q;
        int lo = (int)Math.Floor(h);
        if (lo >= sorted.Length - 1) return sorted[^1];
        double frac = h - lo;
        double a = sorted[lo], b = sorted[lo + 1];
        if (frac == 0 || a == b) return a;
        if (double.IsInfinity(a)) return a;
        if (double.IsInfinity(b)) return b;
        return a + frac * (b - a);
    }
}
