using static TorchSharp.torch;

namespace BoltzmannGen.Flows;

/// <summary>
/// One invertible map of the flow space. Every layer maps x (B, D) → y (B, D) and reports its exact
/// log|det J| per sample, in both directions, so that densities can be evaluated without approximations:
/// <list type="bullet">
/// <item><see cref="Forward"/> is the sampling direction (prior side → data side) and returns
/// log|det ∂y/∂x|;</item>
/// <item><see cref="Inverse"/> is the density direction and returns log|det ∂x/∂y| (= −forward log-det at the
/// corresponding point).</item>
/// </list>
/// </summary>
public interface IFlowLayer
{
    /// <summary>Number of coordinates D the layer acts on.</summary>
    int Dimension { get; }

    /// <summary>y = f(x) and log|det ∂y/∂x| per sample (B).</summary>
    (Tensor y, Tensor logDet) Forward(Tensor x);

    /// <summary>x = f⁻¹(y) and log|det ∂x/∂y| per sample (B).</summary>
    (Tensor x, Tensor logDet) Inverse(Tensor y);
}
