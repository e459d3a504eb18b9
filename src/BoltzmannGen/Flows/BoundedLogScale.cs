using static TorchSharp.torch;

namespace BoltzmannGen.Flows;

/// <summary>
/// Soft bound on affine log-scales: a·tanh(raw / a). Near zero it is the identity (so a zero-initialised
/// conditioner gives scale 1), and it never exceeds ±a, which keeps exp(log-scale) finite across many layers
/// during early training.
/// </summary>
public static class BoundedLogScale
{
    public static Tensor Apply(Tensor raw, double bound)
    {
        if (!(bound > 0)) throw new ArgumentOutOfRangeException(nameof(bound), bound, "the log-scale bound must be positive");
        return raw.div(bound).tanh().mul(bound);
    }
}
