using TorchSharp;
using static TorchSharp.torch;

namespace BoltzmannGen.Flows;

/// <summary>
/// Shared machinery of coupling layers: split x into conditioning part x_A (left unchanged) and transformed
/// part x_B, transform x_B elementwise with parameters computed from x_A, reassemble in the original order.
/// The Jacobian is block-triangular, so log|det J| is the sum of the elementwise log-derivatives of x_B.
/// </summary>
public abstract class CouplingLayer : FlowLayer
{
    // Index buffers (int64): Module.to(dtype) keeps their type, Module.to(device) moves them.
    private Tensor conditionIndex;
    private Tensor transformIndex;
    private Tensor inverseOrder;

    protected CouplingLayer(string name, int dimension, CouplingSplit split) : base(name, dimension)
    {
        split.Validate(dimension);
        ConditionCount = split.Condition.Length;
        TransformCount = split.Transform.Length;
        conditionIndex = tensor(split.Condition, int64).DetachFromDisposeScope();
        transformIndex = tensor(split.Transform, int64).DetachFromDisposeScope();
        var order = split.Condition.Concat(split.Transform).ToArray();
        var inverse = new long[dimension];
        for (int i = 0; i < dimension; i++) inverse[order[i]] = i;
        inverseOrder = tensor(inverse, int64).DetachFromDisposeScope();
    }

    protected int ConditionCount { get; }

    protected int TransformCount { get; }

    /// <summary>Elementwise transform of x_B given x_A; returns the new x_B and the per-element log-derivatives.</summary>
    protected abstract (Tensor transformed, Tensor logDerivative) Couple(Tensor conditioning, Tensor input, bool inverse);

    public override (Tensor y, Tensor logDet) Forward(Tensor x)
    {
        CheckShape(x, nameof(x));
        return Apply(x, inverse: false);
    }

    public override (Tensor x, Tensor logDet) Inverse(Tensor y)
    {
        CheckShape(y, nameof(y));
        return Apply(y, inverse: true);
    }

    private (Tensor, Tensor) Apply(Tensor input, bool inverse)
    {
        var conditioning = input.index_select(1, conditionIndex);
        var transformed = input.index_select(1, transformIndex);
        var (output, logDerivative) = Couple(conditioning, transformed, inverse);
        var result = cat([conditioning, output], 1).index_select(1, inverseOrder);
        return (result, logDerivative.sum(1));
    }
}
