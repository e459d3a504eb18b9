using BoltzmannGen.Flows;
using static TorchSharp.torch;

namespace BoltzmannGen.Sampling;

/// <summary>
/// A defensive mixture proposal (Hesterberg 1995): q_mix = (1 − ε)·q + ε·q_τ, where q_τ is the same flow fed a wider
/// prior N(0, τ²I). Importance weights p/q_mix are at most p/(ε·q_τ), so a flow whose latent tail is thinner than the
/// target's (a Pareto k̂ above 0.5) gets a tail that is not. The density is exact at no extra pass: both components
/// map z through the same f, so f⁻¹(x) = z for a draw from either, and
/// log q_mix(x) = log q(x) + log[(1 − ε) + ε·N(z; 0, τ²I)/N(z; 0, I)].
/// </summary>
public sealed record DefensiveMixture(double Fraction, double Scale)
{
    /// <summary>Refuses a fraction outside [0, 1) or a scale below 1 (a narrower component defends nothing).</summary>
    public static string? Problem(double fraction, double scale) =>
        fraction is < 0 or >= 1 || double.IsNaN(fraction) ? $"--defensive {fraction}: use a fraction in [0, 1)."
        : !(scale >= 1) || double.IsInfinity(scale) ? $"--defensive-scale {scale}: use a prior scale τ ≥ 1."
        : null;

    /// <summary>n conformations (n, N, 3) nm and their log q_mix (n, float64), the component of each drawn with <paramref name="generator"/>.</summary>
    public (Tensor positions, Tensor logQ) Sample(BoltzmannFlow model, int n, Generator generator)
    {
        using var scope = NewDisposeScope();
        var u0 = model.Prior.Sample(n, generator, model.Device, model.DType);
        var wide = rand(n, float64, generator.device, generator: generator).lt(Fraction).to(model.Device);
        u0 = where(wide.view(-1, 1), u0 * Scale, u0);
        var (_, positions, logQ) = model.SampleFrom(u0);
        return scope.MoveToOuter(positions, logQ + LogDensityRatio(u0.to(float64)));
    }

    /// <summary>log[(1 − ε) + ε·N(u; 0, τ²I)/N(u; 0, I)] per row of u (B, D), in float64.</summary>
    public Tensor LogDensityRatio(Tensor u)
    {
        int d = (int)u.shape[1];
        var wideOverNarrow = u.square().sum(1).mul(0.5 * (1 - 1 / (Scale * Scale))).sub(d * Math.Log(Scale));
        return logaddexp(full_like(wideOverNarrow, Math.Log(1 - Fraction)), wideOverNarrow.add(Math.Log(Fraction)));
    }
}
