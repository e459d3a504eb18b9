using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BoltzmannGen.Flows;

/// <summary>
/// Conditioner network of the coupling layers: Linear(in → H), a few residual blocks
/// h ← h + W₂ σ(W₁ σ(h)), then Linear(H → out) after σ = SiLU. The output layer starts at zero so the coupling
/// layer it drives starts as the identity (smooth activation: the log-det stays differentiable everywhere).
/// </summary>
public sealed class ResidualMlp : nn.Module<Tensor, Tensor>
{
    private readonly Linear input;
    private readonly ModuleList<Linear> inner;
    private readonly Linear output;

    /// <param name="generator">draws the initial weights (<see cref="SeededInit"/>)</param>
    public ResidualMlp(int inFeatures, int outFeatures, int hidden, int blocks, Generator generator) : base(nameof(ResidualMlp))
    {
        if (inFeatures < 1 || outFeatures < 1 || hidden < 1 || blocks < 0)
            throw new ArgumentOutOfRangeException(nameof(hidden), $"invalid MLP shape in={inFeatures} out={outFeatures} hidden={hidden} blocks={blocks}");
        input = SeededInit.Linear(inFeatures, hidden, generator);
        var layers = new List<Linear>();
        for (int b = 0; b < blocks; b++)
        {
            layers.Add(SeededInit.Linear(hidden, hidden, generator));
            layers.Add(SeededInit.Linear(hidden, hidden, generator));
        }
        inner = nn.ModuleList(layers.ToArray());
        output = SeededInit.Linear(hidden, outFeatures, generator);
        using (no_grad())
        {
            output.weight.zero_();
            output.bias!.zero_();
        }
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var h = input.call(x);
        for (int i = 0; i < inner.Count; i += 2)
        {
            var r = inner[i].call(nn.functional.silu(h));
            r = inner[i + 1].call(nn.functional.silu(r));
            h = h + r;
        }
        return output.call(nn.functional.silu(h));
    }
}
