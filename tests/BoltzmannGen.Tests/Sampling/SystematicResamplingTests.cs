using BoltzmannGen.Numerics;
using BoltzmannGen.Sampling;

namespace BoltzmannGen.Tests.Sampling;

/// <summary>Systematic resampling against brute force: each count within 1 of m·wᵢ, zero weights never drawn, and the counts' mean over many draws equal to m·wᵢ.</summary>
public class SystematicResamplingTests
{
    private static double[] LogWeights(int n, int seed)
    {
        var random = new Xoshiro256((ulong)seed);
        // Weights over several orders of magnitude, every fifth one zero.
        return Enumerable.Range(0, n).Select(i => i % 5 == 3 ? double.NegativeInfinity : 6 * random.NextDouble() - 100).ToArray();
    }

    private static double[] Normalised(double[] logWeights)
    {
        double max = logWeights.Max();
        var w = logWeights.Select(l => Math.Exp(l - max)).ToArray();
        double sum = w.Sum();
        return w.Select(v => v / sum).ToArray();
    }

    [Theory]
    [InlineData(50, 50)]
    [InlineData(50, 37)]
    [InlineData(7, 200)]
    public void Counts_are_within_one_of_their_expectation_and_unbiased(int n, int m)
    {
        var logW = LogWeights(n, 3);
        var w = Normalised(logW);
        var mean = new double[n];
        const int draws = 20000;
        var random = new Xoshiro256(11);
        for (int r = 0; r < draws; r++)
        {
            var indices = SystematicResampling.Resample(logW, m, random);
            Assert.Equal(m, indices.Length);
            var counts = new int[n];
            foreach (int i in indices) counts[i]++;
            for (int i = 0; i < n; i++)
            {
                Assert.True(Math.Abs(counts[i] - m * w[i]) < 1, $"particle {i}: {counts[i]} copies, expected {m * w[i]:F3}");
                if (w[i] == 0) Assert.Equal(0, counts[i]);
                mean[i] += counts[i] / (double)draws;
            }
        }
        // A count is ⌊mw⌋ or ⌈mw⌉, so its standard deviation is at most ½: the mean of 20,000 lies within 4·½/√20000 ≈ 0.014.
        for (int i = 0; i < n; i++) Assert.True(Math.Abs(mean[i] - m * w[i]) < 0.015, $"particle {i}: mean count {mean[i]:F4}, expected {m * w[i]:F4}");
    }

    [Fact]
    public void All_zero_weights_are_refused()
    {
        Assert.Throws<InvalidOperationException>(() => SystematicResampling.Resample([double.NegativeInfinity, double.NegativeInfinity], 2, new Xoshiro256(1)));
    }
}
