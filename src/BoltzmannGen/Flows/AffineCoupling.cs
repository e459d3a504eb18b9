using TorchSharp;
using static TorchSharp.torch;

namespace BoltzmannGen.Flows;

/// <summary>
/// Affine coupling layer (RealNVP with a residual-MLP conditioner, "resnvp"):
/// y_B = x_B · exp(s(x_A)) + t(x_A), s = a·tanh(raw/a). log|det| = Σ s. Starts as the identity (zero output layer).
/// </summary>
public sealed class AffineCoupling : CouplingLayer
{
    private readonly ResidualMlp conditioner;
    private readonly double scaleBound;

    public AffineCoupling(int dimension, CouplingSplit split, int hidden, int residualBlocks, double scaleBound, Generator generator)
        : base(nameof(AffineCoupling), dimension, split)
    {
        if (!(scaleBound > 0)) throw new ArgumentOutOfRangeException(nameof(scaleBound), scaleBound, "must be positive");
        this.scaleBound = scaleBound;
        conditioner = new ResidualMlp(ConditionCount, 2 * TransformCount, hidden, residualBlocks, generator);
        RegisterComponents();
    }

    protected override (Tensor transformed, Tensor logDerivative) Couple(Tensor conditioning, Tensor input, bool inverse)
    {
        var parameters = conditioner.call(conditioning);
        var shift = parameters.narrow(1, 0, TransformCount);
        var logScale = BoundedLogScale.Apply(parameters.narrow(1, TransformCount, TransformCount), scaleBound);
        return inverse
            ? ((input - shift) * (-logScale).exp(), -logScale)
            : (input * logScale.exp() + shift, logScale);
    }
}
