using BoltzmannGen.Flows;
using BoltzmannGen.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace BoltzmannGen.Tests.Sampling;

/// <summary>
/// The defensive mixture's log q_mix against q computed independently, through the flow's density direction
/// (<see cref="BoltzmannFlow.LogQ"/>): with p = q (normaliser 1) the importance weights q/q_mix of mixture draws
/// average to exactly 1, and a fraction ε of the draws comes from the wide component.
/// </summary>
public class DefensiveMixtureTests
{
    private static BoltzmannFlow Flow()
    {
        var model = BoltzmannFlow.Create(3, 1.0, "resnvp", new FlowHyperparameters { Layers = 4, HiddenWidth = 32, ResidualBlocks = 1, Seed = 3 });
        model.to(float64);
        return model;
    }

    [Fact]
    public void Weights_towards_the_flows_own_density_average_to_one()
    {
        var model = Flow();
        var mixture = new DefensiveMixture(0.3, 1.5);
        using var g = new Generator(7);
        using var _ = no_grad();
        var (positions, logQMix) = mixture.Sample(model, 200_000, g);
        var ratio = (model.LogQ(positions) - logQMix).exp();
        double mean = ratio.mean().item<double>(), se = ratio.std().item<double>() / Math.Sqrt(200_000);
        // A mixture density off by the wide component's normaliser τ^D or by its share would miss by far more.
        Assert.True(Math.Abs(mean - 1) < 4 * se + 1e-3, $"mean q/q_mix = {mean:F4} ± {se:F4}");
        // Draws from the wide component sit where q_mix/q is large: about 30 % of them have it above (1 − ε).
        var wideShare = (logQMix - model.LogQ(positions)).gt(Math.Log(1 - 0.3) + 0.5).to(float64).mean().item<double>();
        Assert.InRange(wideShare, 0.1, 0.3);
    }

    [Fact]
    public void Without_a_wide_share_the_density_is_the_flows()
    {
        using var u = randn(5, 6, dtype: float64);
        Assert.Equal(0.0, new DefensiveMixture(0, 2).LogDensityRatio(u).abs().max().item<double>());
        // ε·N(u; 0, τ²)/N(u; 0, 1) at u = 0 is ε·τ^(−D): log(0.5 + 0.5·2^−6).
        using var zero = zeros(1, 6, dtype: float64);
        Assert.Equal(Math.Log(0.5 + 0.5 / 64), new DefensiveMixture(0.5, 2).LogDensityRatio(zero).item<double>(), 12);
    }

    [Theory]
    [InlineData(1.0, 1.5, "--defensive 1")]
    [InlineData(-0.1, 1.5, "--defensive -0.1")]
    [InlineData(0.1, 0.5, "--defensive-scale 0.5")]
    public void Bad_options_are_named(double fraction, double scale, string named)
    {
        Assert.StartsWith(named, DefensiveMixture.Problem(fraction, scale));
        Assert.Null(DefensiveMixture.Problem(0.1, 1.5));
    }
}
