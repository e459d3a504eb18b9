using TorchSharp;
using static TorchSharp.torch;

namespace BoltzmannGen.Flows;

/// <summary>
/// Base class of the flow layers: a TorchSharp module (so parameters and buffers move with <c>.to(device)</c>
/// and are saved with the model) that implements <see cref="IFlowLayer"/>. A base class rather than only the
/// interface because <c>ModuleList&lt;T&gt;</c> needs a Module type.
/// </summary>
public abstract class FlowLayer : nn.Module, IFlowLayer
{
    protected FlowLayer(string name, int dimension) : base(name)
    {
        if (dimension < 1) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "a flow needs at least one coordinate");
        Dimension = dimension;
    }

    public int Dimension { get; }

    public abstract (Tensor y, Tensor logDet) Forward(Tensor x);

    public abstract (Tensor x, Tensor logDet) Inverse(Tensor y);

    /// <summary>Throws unless <paramref name="x"/> is (B, D) with this layer's D: shape errors surface here, named.</summary>
    protected void CheckShape(Tensor x, string argument)
    {
        if (x.dim() != 2 || x.shape[1] != Dimension)
            throw new ArgumentException(
                $"{GetType().Name} expects a (batch, {Dimension}) tensor, got ({string.Join(", ", x.shape)})", argument);
    }
}
