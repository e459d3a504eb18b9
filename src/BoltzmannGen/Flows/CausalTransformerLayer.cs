using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BoltzmannGen.Flows;

/// <summary>
/// Pre-norm transformer layer: h ← h + Attn(LN(h)), h ← h + MLP(LN(h)) with causal attention and a GELU MLP
/// of width 4C. No dropout: a flow must be a deterministic function for its inverse to be exact.
/// </summary>
public sealed class CausalTransformerLayer : nn.Module<Tensor, Tensor>
{
    private readonly LayerNorm attentionNorm;
    private readonly CausalSelfAttention attention;
    private readonly LayerNorm mlpNorm;
    private readonly Linear expand;
    private readonly Linear contract;

    public CausalTransformerLayer(int channels, int heads, Generator generator) : base(nameof(CausalTransformerLayer))
    {
        attentionNorm = nn.LayerNorm(channels);
        attention = new CausalSelfAttention(channels, heads, generator);
        mlpNorm = nn.LayerNorm(channels);
        expand = SeededInit.Linear(channels, 4 * channels, generator);
        contract = SeededInit.Linear(4 * channels, channels, generator);
        RegisterComponents();
    }

    public override Tensor forward(Tensor h)
    {
        // A scope per layer frees the intermediates as soon as the layer is done (autograd keeps what it
        // needs); without it a 10,000-conformation batch holds every layer's activations at once.
        using var scope = NewDisposeScope();
        h = h + attention.call(attentionNorm.call(h));
        return scope.MoveToOuter(h + contract.call(nn.functional.gelu(expand.call(mlpNorm.call(h)))));
    }
}
