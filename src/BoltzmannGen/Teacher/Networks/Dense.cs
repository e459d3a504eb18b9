using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BoltzmannGen.Teacher.Networks;

/// <summary>
/// A linear layer y = x Wᵀ + b whose weights are drawn from the caller's generator (PyTorch's default
/// U(−1/√in, 1/√in), times <c>gain</c>), never from torch's process-wide generator: building a velocity network
/// neither depends on nor disturbs the global random state (other threads may be drawing from it).
/// Saved parameters are named <c>weight</c> (out, in) and <c>bias</c> (out), as nn.Linear names them.
/// </summary>
public sealed class Dense : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight;
    private readonly Parameter? bias;

    public Dense(int inFeatures, int outFeatures, Generator generator, bool hasBias = true, double gain = 1.0) : base(nameof(Dense))
    {
        if (inFeatures < 1 || outFeatures < 1)
            throw new ArgumentOutOfRangeException(nameof(inFeatures), $"invalid layer shape {inFeatures} → {outFeatures}");
        double bound = 1.0 / Math.Sqrt(inFeatures);
        weight = new Parameter(Uniform([outFeatures, inFeatures], gain * bound, generator));
        if (hasBias) bias = new Parameter(Uniform([outFeatures], gain * bound, generator));
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        RegisterComponents();
    }

    public int InFeatures { get; }
    public int OutFeatures { get; }

    public override Tensor forward(Tensor x) => nn.functional.linear(x, weight, bias);

    private static Tensor Uniform(long[] shape, double bound, Generator generator)
    {
        using var scope = NewDisposeScope();
        var u = rand(shape, generator: generator, dtype: float32);
        return scope.MoveToOuter((u * (2 * bound) - bound).detach());
    }
}
