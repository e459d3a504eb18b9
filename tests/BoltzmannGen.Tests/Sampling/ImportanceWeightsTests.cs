using BoltzmannGen.Numerics;
using BoltzmannGen.Sampling;

namespace BoltzmannGen.Tests.Sampling;

public class ImportanceWeightsTests
{
    [Fact]
    public void Equal_weights_give_ESS_n_and_one_dominant_weight_gives_ESS_one()
    {
        Assert.Equal(100, new ImportanceWeights(new double[100]).EffectiveSampleSize, 9);
        var logW = Enumerable.Repeat(-1000.0, 99).Append(0.0).ToArray();
        Assert.Equal(1, new ImportanceWeights(logW).EffectiveSampleSize, 9);
    }

    [Fact]
    public void ESS_of_k_equal_weights_among_zeros_is_k_and_counts_all_samples()
    {
        // w = (1, 1, 1, 0, 0): (Σw)²/Σw² = 9/3 = 3; fraction over all 5 samples.
        var w = ImportanceWeights.From([0, 0, 0, double.PositiveInfinity, 1], [0, 0, 0, 0, 0], [true, true, true, true, false]);
        Assert.Equal(3, w.EffectiveSampleSize, 12);
        Assert.Equal(0.6, w.EffectiveSampleFraction, 12);
        Assert.Equal(2, w.ZeroWeightCount);
    }

    [Fact]
    public void Weights_spanning_800_orders_of_magnitude_stay_finite()
    {
        // w ∝ (1, e^-1800): ESS = (1+ε)²/(1+ε²) → 1, without overflow of exp(1800).
        var w = ImportanceWeights.From([-2000, -200], [0, 0]);
        Assert.Equal(1, w.EffectiveSampleSize, 12);
        Assert.Equal(1, w.Normalized()[0], 12);
    }

    [Fact]
    public void Two_weights_match_the_closed_form()
    {
        // w = (1, 2): ESS = 9/5.
        var w = new ImportanceWeights([0, Math.Log(2)]);
        Assert.Equal(1.8, w.EffectiveSampleSize, 12);
        var p = w.Normalized();
        Assert.Equal(1 / 3.0, p[0], 12);
        Assert.Equal(2 / 3.0, p[1], 12);
    }

    [Fact]
    public void Clipping_caps_the_top_fraction_at_the_next_weight()
    {
        var w = new ImportanceWeights([5, 1, 2, 3, 4, 0, 0, 0, 0, 0]).ClipTop(0.2); // k = 2: 5 and 4 capped at 3
        Assert.Equal(new double[] { 3, 1, 2, 3, 3, 0, 0, 0, 0, 0 }, w.LogWeights);
    }

    [Fact]
    public void Resampling_frequencies_follow_the_weights()
    {
        var w = new ImportanceWeights([0, Math.Log(3)]); // p = (0.25, 0.75)
        var picks = w.Resample(200_000, new Xoshiro256(3));
        double share = picks.Count(i => i == 1) / 200_000.0;
        Assert.InRange(share, 0.75 - 0.005, 0.75 + 0.005); // σ ≈ 0.001
    }
}
