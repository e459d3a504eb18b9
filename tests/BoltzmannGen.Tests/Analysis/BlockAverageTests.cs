using BoltzmannGen.Analysis;

namespace BoltzmannGen.Tests.Analysis;

/// <summary>Block averages on hand-computed cases and on iid normal data (where SE must be σ/√N).</summary>
public class BlockAverageTests
{
    [Fact]
    public void Hand_case_mean_standard_error_and_relative_error()
    {
        // Blocks (1,2) (3,4) (5,6) (7,8): means 1.5, 3.5, 5.5, 7.5; sample sd = √(20/3); SE = √(20/3)/2 = √(5/3).
        var e = BlockAverage.Compute([1, 2, 3, 4, 5, 6, 7, 8], blocks: 4);
        Assert.Equal(4.5, e.Mean, 12);
        Assert.Equal(Math.Sqrt(5.0 / 3.0), e.StandardError, 12);
        Assert.Equal(Math.Sqrt(5.0 / 3.0) / 4.5, e.RelativeError, 12);
        Assert.Equal(2, e.BlockSize);
    }

    [Fact]
    public void Leftover_values_count_in_the_mean_but_not_in_the_blocks()
    {
        // N = 10, B = 3: blocks (1,2,3) (4,5,6) (7,8,9) with means 2, 5, 8 (sd 3, SE √3); 100 is left over.
        var e = BlockAverage.Compute([1, 2, 3, 4, 5, 6, 7, 8, 9, 100], blocks: 3);
        Assert.Equal(14.5, e.Mean, 12);
        Assert.Equal(Math.Sqrt(3), e.StandardError, 12);
        Assert.Equal(3, e.BlockSize);
    }

    [Fact]
    public void Negative_mean_uses_its_absolute_value()
    {
        var e = BlockAverage.Compute([-1, -2, -3, -4, -5, -6, -7, -8], blocks: 4);
        Assert.Equal(Math.Sqrt(5.0 / 3.0) / 4.5, e.RelativeError, 12);
    }

    [Fact]
    public void Iid_normal_standard_error_matches_sigma_over_sqrt_n()
    {
        const int n = 100_000;
        const double sigma = 2.0;
        var x = SeededNormal.Draw(seed: 11, count: n).Select(z => 3.0 + sigma * z).ToArray();
        var e = BlockAverage.Compute(x, blocks: 100);
        double expected = sigma / Math.Sqrt(n);
        // With 100 blocks the SE estimate itself has a relative spread of 1/√(2·99) ≈ 7 %.
        Assert.True(Math.Abs(e.StandardError / expected - 1) < 0.25, $"SE {e.StandardError} vs {expected}");
        Assert.True(Math.Abs(e.Mean - 3.0) < 5 * expected);
    }

    [Fact]
    public void Fewer_than_two_blocks_or_too_short_a_series_is_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => BlockAverage.Compute([1, 2, 3], blocks: 1));
        Assert.Throws<ArgumentException>(() => BlockAverage.Compute([1, 2, 3], blocks: 4));
    }
}
