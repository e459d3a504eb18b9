namespace BoltzmannGen.Analysis;

/// <summary>A block-average estimate: the mean, its standard error, and the blocking used.</summary>
public sealed record BlockEstimate(double Mean, double StandardError, int Blocks, int BlockSize)
{
    /// <summary>SE / |mean|; +∞ when the mean is 0 (a relative error of a zero mean is undefined).</summary>
    public double RelativeError => StandardError / Math.Abs(Mean);
}

/// <summary>
/// Mean and standard error of a correlated series from B contiguous blocks: when blocks are longer than the
/// correlation time their means are nearly independent, so SE = sd(block means) / √B (sample sd, B−1) captures
/// the correlation that the naive σ/√N misses.
/// </summary>
public static class BlockAverage
{
    /// <summary>
    /// Block estimate with <paramref name="blocks"/> blocks of ⌊N/B⌋ values each. The mean is over all N values;
    /// the N mod B values left at the end take no part in the error estimate (fewer than B, too few to matter).
    /// </summary>
    public static BlockEstimate Compute(ReadOnlySpan<double> series, int blocks)
    {
        if (blocks < 2) throw new ArgumentOutOfRangeException(nameof(blocks), "Block averaging needs at least 2 blocks.");
        if (series.Length < blocks)
            throw new ArgumentException($"A series of {series.Length} values cannot form {blocks} blocks.", nameof(series));

        double mean = 0;
        foreach (double x in series) mean += x;
        mean /= series.Length;

        int size = series.Length / blocks;
        var means = new double[blocks];
        for (int b = 0; b < blocks; b++)
        {
            double sum = 0;
            foreach (double x in series.Slice(b * size, size)) sum += x;
            means[b] = sum / size;
        }
        double blockMean = means.Average();
        double ss = 0;
        foreach (double m in means) ss += (m - blockMean) * (m - blockMean);
        double se = Math.Sqrt(ss / (blocks - 1)) / Math.Sqrt(blocks);
        return new BlockEstimate(mean, se, blocks, size);
    }
}
