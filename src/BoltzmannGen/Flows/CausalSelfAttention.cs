using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BoltzmannGen.Flows;

/// <summary>
/// Multi-head self-attention with a causal mask: position t attends to positions 0..t only. This is what
/// makes the transformer's output at t a function of the inputs up to t, i.e. an autoregressive conditioner.
/// </summary>
public sealed class CausalSelfAttention : nn.Module<Tensor, Tensor>
{
    private readonly Linear queryKeyValue;
    private readonly Linear projection;
    private readonly int heads;

    public CausalSelfAttention(int channels, int heads, Generator generator) : base(nameof(CausalSelfAttention))
    {
        if (heads < 1 || channels % heads != 0)
            throw new ArgumentException($"channels ({channels}) must be a positive multiple of heads ({heads})");
        this.heads = heads;
        queryKeyValue = SeededInit.Linear(channels, 3 * channels, generator);
        projection = SeededInit.Linear(channels, channels, generator);
        RegisterComponents();
    }

    /// <summary>(B, T, C) → (B, T, C).</summary>
    public override Tensor forward(Tensor h)
    {
        long batch = h.shape[0], length = h.shape[1], channels = h.shape[2], headSize = channels / heads;
        // (B, T, 3, H, d) → (3, B, H, T, d)
        var qkv = queryKeyValue.call(h).reshape(batch, length, 3, heads, headSize).permute(2, 0, 3, 1, 4);
        var q = qkv[0];
        var k = qkv[1];
        var v = qkv[2];
        var scores = matmul(q, k.transpose(-2, -1)) / Math.Sqrt(headSize);
        var future = ones(length, length, dtype: ScalarType.Bool, device: h.device).triu(1);
        var attention = nn.functional.softmax(scores.masked_fill(future, double.NegativeInfinity), -1);
        var mixed = matmul(attention, v).transpose(1, 2).reshape(batch, length, channels);
        return projection.call(mixed);
    }
}
