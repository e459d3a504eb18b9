using BoltzmannGen.Analysis;

namespace BoltzmannGen.Tests.Analysis;

/// <summary>
/// The Pareto k̂ against draws from distributions whose tail shape is known exactly: a generalised Pareto
/// distribution of shape k (inverse CDF x = ((1 − U)^(−k) − 1)/k) has tail shape k, and so has every tail above
/// a threshold of it; the exponential distribution (the k → 0 limit) has k = 0.
/// </summary>
public class ParetoTailTests
{
    private static double[] GeneralisedPareto(double k, int n, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (Math.Pow(1 - random.NextDouble(), -k) - 1) / k).ToArray();
    }

    [Theory]
    [InlineData(0.2)]
    [InlineData(0.5)]
    [InlineData(0.9)]
    public void The_fit_recovers_the_shape_of_generalised_pareto_exceedances(double k)
    {
        // 5,000 draws: the estimate's s.e. is about (1 + k)/√n ≈ 0.03, and the shrinkage towards 0.5 moves it < 0.001.
        var x = GeneralisedPareto(k, 5000, seed: 7);
        Array.Sort(x);
        Assert.InRange(ParetoTail.GeneralisedParetoShape(x), k - 0.1, k + 0.1);
    }

    [Theory]
    [InlineData(0.3)]
    [InlineData(1.0)]
    public void The_tail_of_a_million_weights_has_the_shape_of_the_distribution_they_came_from(double k)
    {
        // Weights w = 1 + GPD draws: the top 3,000 (3√S) minus the next one are again GPD of shape k.
        var logW = GeneralisedPareto(k, 1_000_000, seed: 3).Select(w => Math.Log(1 + w)).ToArray();
        Assert.InRange(ParetoTail.Shape(logW)!.Value, k - 0.1, k + 0.1);
    }

    [Fact]
    public void Exponential_weights_have_a_light_tail_and_zero_weights_take_no_part()
    {
        var random = new Random(5);
        var logW = Enumerable.Range(0, 200_000).Select(_ => Math.Log(-Math.Log(1 - random.NextDouble())))
                             .Concat(Enumerable.Repeat(double.NegativeInfinity, 50_000)).ToArray();
        Assert.InRange(ParetoTail.Shape(logW)!.Value, -0.1, 0.1);
        Assert.True(ParetoTail.Shape(logW) < ParetoTail.Threshold(200_000));
    }

    [Fact]
    public void Too_few_weights_or_a_tail_without_spread_give_no_estimate()
    {
        Assert.Null(ParetoTail.Shape([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])); // M = 2
        Assert.Null(ParetoTail.Shape(Enumerable.Repeat(0.0, 1000)));
        Assert.Equal(0.7, ParetoTail.Threshold(1_000_000), 12); // min(1 − 1/6, 0.7)
        Assert.Equal(0.5, ParetoTail.Threshold(100), 12);       // min(1 − 1/2, 0.7)
    }
}
