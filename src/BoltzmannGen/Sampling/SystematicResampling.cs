using BoltzmannGen.Numerics;

namespace BoltzmannGen.Sampling;

/// <summary>
/// Systematic resampling: one uniform offset U, then the m points (U + j)/m cut the cumulative normalised weights.
/// Particle i is copied ⌊m·wᵢ⌋ or ⌈m·wᵢ⌉ times (never further than 1 from its expected count m·wᵢ), which keeps
/// less of the resampling noise than multinomial draws while staying unbiased. SMC resamples its particles with it;
/// fine-tuning's reweighted_ml can resample its batch with it (ml_resample).
/// </summary>
public static class SystematicResampling
{
    /// <summary>As below, the offset drawn from <paramref name="random"/>.</summary>
    public static int[] Resample(IReadOnlyList<double> logWeights, int m, Xoshiro256 random) =>
        Resample(logWeights, m, random.NextDouble());

    /// <param name="logWeights">unnormalised log-weights, −∞ for zero weight; at least one finite</param>
    /// <param name="m">how many indices to draw</param>
    /// <param name="offset">the uniform offset U in [0, 1)</param>
    /// <returns>m indices in increasing order</returns>
    public static int[] Resample(IReadOnlyList<double> logWeights, int m, double offset)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        if (!(offset is >= 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(offset), offset, "the offset must be in [0, 1)");
        double max = double.NegativeInfinity;
        foreach (var l in logWeights) if (l > max) max = l;
        if (!double.IsFinite(max)) throw new InvalidOperationException("every weight is zero (or one is +∞): nothing to resample.");
        var cumulative = new double[logWeights.Count];
        double total = 0;
        for (int i = 0; i < cumulative.Length; i++) cumulative[i] = total += Math.Exp(logWeights[i] - max);
        var indices = new int[m];
        int k = 0;
        for (int j = 0; j < m; j++)
        {
            double point = (offset + j) / m * total;
            while (k < cumulative.Length - 1 && cumulative[k] <= point) k++;
            indices[j] = k;
        }
        return indices;
    }
}
