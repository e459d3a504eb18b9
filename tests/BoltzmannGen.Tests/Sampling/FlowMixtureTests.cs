using BoltzmannGen.Flows;
using BoltzmannGen.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace BoltzmannGen.Tests.Sampling;

/// <summary>
/// A mixture of two different flows against each member's density computed independently, through its density
/// direction (<see cref="BoltzmannFlow.LogQ"/>): the stored log q_mix is log(½q_A + ½q_B), and with p = q_A (or q_B)
/// the importance weights p/q_mix of mixture draws average to exactly 1, which holds only if each member draws half.
/// </summary>
public class FlowMixtureTests
{
    // B is 1.6 times wider than A and differently initialised, so q_A/q_mix is far from 1 on many draws.
    private static BoltzmannFlow Flow(double scale, int seed)
    {
        var model = BoltzmannFlow.Create(3, scale, "resnvp", new FlowHyperparameters { Layers = 4, HiddenWidth = 32, ResidualBlocks = 1, Seed = seed });
        model.to(float64);
        return model;
    }

    [Fact]
    public void Log_q_is_the_mixture_density_and_weights_towards_either_member_average_to_one()
    {
        BoltzmannFlow a = Flow(1.0, 3), b = Flow(1.6, 5);
        var mixture = new FlowMixture([a, b]);
        using var g = new Generator(11);
        using var _ = no_grad();
        const int n = 200_000;
        var (positions, logQMix) = mixture.Sample(n, g);
        Assert.Equal(new long[] { n, 3, 3 }, positions.shape);
        var logA = a.LogQ(positions);
        var logB = b.LogQ(positions);
        var expected = logaddexp(logA, logB) - Math.Log(2);
        Assert.True((logQMix - expected).abs().max().item<double>() < 1e-8);
        foreach (var (name, logP) in new[] { ("A", logA), ("B", logB) })
        {
            var ratio = (logP - logQMix).exp();
            double mean = ratio.mean().item<double>(), se = ratio.std().item<double>() / Math.Sqrt(n);
            Assert.True(Math.Abs(mean - 1) < 4 * se + 1e-3, $"mean q_{name}/q_mix = {mean:F4} ± {se:F4}");
        }
        // The members differ enough for the test to mean something: draws from A alone have E_A[q_A/q_mix] well above 1.
        var (xa, la) = a.Sample(50_000, g);
        Assert.True((la - mixture.LogQ(xa)).exp().mean().item<double>() > 1.05);
    }

    [Fact]
    public void The_same_seed_gives_the_same_draws_and_a_lone_or_mismatched_member_is_refused()
    {
        var mixture = new FlowMixture([Flow(1.0, 3), Flow(1.6, 5)]);
        using var _ = no_grad();
        using var g1 = new Generator(2);
        using var g2 = new Generator(2);
        Assert.True(mixture.Sample(100, g1).positions.eq(mixture.Sample(100, g2).positions).all().item<bool>());
        Assert.Throws<ArgumentException>(() => new FlowMixture([Flow(1.0, 3)]));
        var fourAtoms = BoltzmannFlow.Create(4, 1.0, "resnvp", new FlowHyperparameters { Layers = 2, HiddenWidth = 8, ResidualBlocks = 1, Seed = 1 });
        Assert.Throws<ArgumentException>(() => new FlowMixture([Flow(1.0, 3), fourAtoms]));
    }
}
