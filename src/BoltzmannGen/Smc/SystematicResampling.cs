using BoltzmannGen.Numerics;

namespace BoltzmannGen.Smc;

/// <summary>
/// Systematic resampling: one uniform offset U, then the m points (U + j)/m cut the cumulative normalised weights.
/// Particle i is copied ⌊m·wᵢ⌋ or ⌈m·wᵢ⌉ times (never further than 1 from its expected count m·wᵢ), which keeps
/// less of the resampling noise than multinomial draws while staying unbiased.
/// </summary>
public static class SystematicResampling
{
    /// <param name="logWeights">unnormalised log-weights, −∞ for zero weight; at least one finite</param>
    /// <param name="m">how many indices to draw</param>
    /// <returns>m indices in increasing order</returns>
    public static int[] Resample(IReadOnlyList<double> logWeights, int m, Xoshiro256 random)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        double max = double.NegativeInfinity;
        foreach (var l in logWeights) if (l > max) max = l;
        if (!double.IsFinite(max)) throw new InvalidOperationException("every weight is zero (or one is +∞): nothing to resample.");
        var cumulative = new double[logWeights.Count];
        double total = 0;
        for (int i = 0; i < cumulative.Length; i++) cumulative[i] = total += Math.Exp(logWeights[i] - max);
        var indices = new int[m];
        double offset = random.NextDouble();
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
