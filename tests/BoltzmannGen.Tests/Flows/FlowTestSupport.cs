using BoltzmannGen.Flows;
using TorchSharp;
using static TorchSharp.torch;

namespace BoltzmannGen.Tests.Flows;

/// <summary>Small networks and helpers shared by the flow tests (kept tiny so every test runs in well under a second).</summary>
internal static class FlowTestSupport
{
    public static readonly FlowHyperparameters Small = new()
    {
        Layers = 4,
        HiddenWidth = 32,
        ResidualBlocks = 1,
        Bins = 6,
        TailBound = 3.0,
        Blocks = 2,
        Channels = 16,
        Heads = 2,
        TransformerLayers = 1,
        Seed = 7,
    };

    /// <summary>
    /// Adds Gaussian noise to every parameter: the architectures start as the identity (zero output layers),
    /// where inversion and log-dets are trivially right, so tests must move away from it first.
    /// </summary>
    public static void Perturb(nn.Module module, double std, long seed)
    {
        using var generator = new Generator((ulong)seed);
        using var noGrad = no_grad();
        foreach (var p in module.parameters())
        {
            using var noise = randn(p.shape, dtype: p.dtype, device: CPU, generator: generator);
            p.add_(noise.to(p.device) * std);
        }
    }

    public static double MaxAbs(Tensor t)
    {
        using var a = t.abs().max();
        return a.to(float64).item<double>();
    }

    public static double[] ToDoubles(Tensor t)
    {
        using var c = t.detach().to(float64, CPU).contiguous();
        return c.data<double>().ToArray();
    }
}
