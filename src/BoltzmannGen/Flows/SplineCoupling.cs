using TorchSharp;
using static TorchSharp.torch;

namespace BoltzmannGen.Flows;

/// <summary>
/// Rational-quadratic spline coupling layer ("nsf"): each transformed coordinate goes through its own monotone
/// spline whose 3K−1 parameters come from a residual MLP of the conditioning coordinates. The inverse is
/// analytic, the log-det exact. Starts as the identity (zero output layer ⇒ uniform bins, unit slopes).
/// </summary>
public sealed class SplineCoupling : CouplingLayer
{
    private readonly ResidualMlp conditioner;
    private readonly int bins;
    private readonly SplineSettings settings;

    public SplineCoupling(int dimension, CouplingSplit split, int hidden, int residualBlocks, int bins, SplineSettings settings, Generator generator)
        : base(nameof(SplineCoupling), dimension, split)
    {
        settings.Validate(bins);
        if (bins < 2) throw new ArgumentOutOfRangeException(nameof(bins), bins, "a spline needs at least two bins");
        this.bins = bins;
        this.settings = settings;
        conditioner = new ResidualMlp(ConditionCount, TransformCount * (3 * bins - 1), hidden, residualBlocks, generator);
        RegisterComponents();
    }

    protected override (Tensor transformed, Tensor logDerivative) Couple(Tensor conditioning, Tensor input, bool inverse)
    {
        var parameters = conditioner.call(conditioning).reshape(input.shape[0], TransformCount, 3 * bins - 1);
        var widths = parameters.narrow(-1, 0, bins);
        var heights = parameters.narrow(-1, bins, bins);
        var derivatives = parameters.narrow(-1, 2 * bins, bins - 1);
        return RationalQuadraticSpline.Apply(input, widths, heights, derivatives, inverse, settings);
    }
}
