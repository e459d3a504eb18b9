using TorchSharp;
using static TorchSharp.torch;

namespace BoltzmannGen.Teacher.Networks;

/// <summary>
/// Fixed (not learned) Fourier features of the time: [sin(2π f_k t), cos(2π f_k t)] for K = size/2 frequencies
/// f_k geometric between 0.5 and <c>maxFrequency</c>, so slow and fast changes of the field along t are both
/// easy to express. t (B) → (B, size).
/// </summary>
public sealed class FourierTimeEmbedding : nn.Module<Tensor, Tensor>
{
    private Tensor angularFrequencies; // (K) buffer; reassigned by Module.to() through reflection

    public FourierTimeEmbedding(int size, double maxFrequency) : base(nameof(FourierTimeEmbedding))
    {
        if (size < 2 || size % 2 != 0) throw new ArgumentOutOfRangeException(nameof(size), size, "must be even and ≥ 2");
        int k = size / 2;
        var w = new float[k];
        for (int i = 0; i < k; i++)
        {
            double f = k == 1 ? 0.5 : 0.5 * Math.Pow(maxFrequency / 0.5, i / (double)(k - 1));
            w[i] = (float)(2 * Math.PI * f);
        }
        angularFrequencies = tensor(w, [k], float32).DetachFromDisposeScope();
        Size = size;
        RegisterComponents();
    }

    public int Size { get; }

    public override Tensor forward(Tensor t)
    {
        var angles = t.unsqueeze(1) * angularFrequencies.unsqueeze(0);
        return cat([angles.sin(), angles.cos()], 1);
    }
}
