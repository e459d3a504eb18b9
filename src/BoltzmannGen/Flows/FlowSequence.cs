using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BoltzmannGen.Flows;

/// <summary>
/// Composition f = f_L ∘ … ∘ f_1 of flow layers: forward applies the layers in order, inverse in reverse order,
/// and the log-dets add up (chain rule).
/// </summary>
public sealed class FlowSequence : FlowLayer
{
    private readonly ModuleList<FlowLayer> layers;

    public FlowSequence(int dimension, IEnumerable<FlowLayer> layers) : base(nameof(FlowSequence), dimension)
    {
        var array = layers.ToArray();
        foreach (var layer in array)
            if (layer.Dimension != dimension)
                throw new ArgumentException($"layer {layer.GetType().Name} acts on {layer.Dimension} coordinates, the sequence on {dimension}");
        this.layers = nn.ModuleList(array);
        RegisterComponents();
    }

    public int Count => layers.Count;

    public FlowLayer this[int index] => layers[index];

    public override (Tensor y, Tensor logDet) Forward(Tensor x)
    {
        CheckShape(x, nameof(x));
        var logDet = zeros(x.shape[0], dtype: x.dtype, device: x.device);
        foreach (var layer in layers)
        {
            // Free each layer's intermediates when it is done; only x and the log-det move on.
            using var scope = NewDisposeScope();
            var (y, ld) = layer.Forward(x);
            (x, logDet) = scope.MoveToOuter(y, logDet + ld);
        }
        return (x, logDet);
    }

    public override (Tensor x, Tensor logDet) Inverse(Tensor y)
    {
        CheckShape(y, nameof(y));
        var logDet = zeros(y.shape[0], dtype: y.dtype, device: y.device);
        for (int i = layers.Count - 1; i >= 0; i--)
        {
            using var scope = NewDisposeScope();
            var (x, ld) = layers[i].Inverse(y);
            (y, logDet) = scope.MoveToOuter(x, logDet + ld);
        }
        return (y, logDet);
    }
}
