using TorchSharp;
using static TorchSharp.torch;

namespace BoltzmannGen.Flows;

/// <summary>
/// Monotone rational-quadratic spline (Durkan et al. 2019, "Neural Spline Flows") on [−B, B] with K bins and
/// identity (linear) tails outside, applied elementwise.
/// <para>
/// Parameterisation from unconstrained network outputs: bin widths and heights are
/// min + (1 − K·min)·softmax(raw), so every bin keeps a minimum size and they sum to 2B; interior knot
/// derivatives are min + softplus(raw + c), with c chosen so raw = 0 gives derivative 1; the two boundary
/// derivatives are fixed to 1 so the spline joins the identity tails with a continuous derivative. All-zero raw
/// parameters give uniform bins, slopes 1 and hence exactly the identity map.
/// </para>
/// </summary>
public static class RationalQuadraticSpline
{
    /// <summary>
    /// y = g(x) (or x = g⁻¹(y) when <paramref name="inverse"/>) and the elementwise log|dy/dx|
    /// (or log|dx/dy|). Shapes: input (…), raw widths and heights (…, K), raw derivatives (…, K−1).
    /// </summary>
    public static (Tensor output, Tensor logDerivative) Apply(
        Tensor input, Tensor rawWidths, Tensor rawHeights, Tensor rawDerivatives, bool inverse, SplineSettings settings)
    {
        long bins = rawWidths.shape[^1];
        if (rawHeights.shape[^1] != bins || rawDerivatives.shape[^1] != bins - 1)
            throw new ArgumentException($"spline parameters must have K, K and K−1 entries, got {bins}, {rawHeights.shape[^1]}, {rawDerivatives.shape[^1]}");
        settings.Validate((int)bins);
        double bound = settings.TailBound;

        using var scope = NewDisposeScope();
        // Inside the interval the spline applies, outside the identity; evaluate the spline on clamped values
        // so the discarded branch stays finite (a NaN there would poison gradients through where()).
        var inside = input.ge(-bound).logical_and(input.le(bound));
        var clamped = input.clamp(-bound, bound);

        var knotsX = Knots(rawWidths, settings.MinBinWidth, bound);
        var knotsY = Knots(rawHeights, settings.MinBinHeight, bound);
        var shape = rawDerivatives.shape.ToArray();
        shape[^1] = 1;
        var one = ones(shape, dtype: rawDerivatives.dtype, device: rawDerivatives.device);
        double offset = Math.Log(Math.Exp(1.0 - settings.MinDerivative) - 1.0); // softplus(offset) = 1 − min
        var interior = nn.functional.softplus(rawDerivatives + offset) + settings.MinDerivative;
        var derivatives = cat([one, interior, one], -1);

        // Bin of each element: number of interior knots at or below it (0..K−1).
        var searchKnots = inverse ? knotsY : knotsX;
        var bin = clamped.unsqueeze(-1).ge(searchKnots.narrow(-1, 1, bins - 1)).sum(-1).unsqueeze(-1);

        Tensor Pick(Tensor t) => t.gather(-1, bin).squeeze(-1);
        var xk = Pick(knotsX);
        var yk = Pick(knotsY);
        var wk = Pick(knotsX.narrow(-1, 1, bins)) - xk;
        var hk = Pick(knotsY.narrow(-1, 1, bins)) - yk;
        var dk = Pick(derivatives);
        var dk1 = Pick(derivatives.narrow(-1, 1, bins));
        var sk = hk / wk;
        var curvature = dk1 + dk - 2 * sk;

        Tensor result, logDerivative;
        if (!inverse)
        {
            var xi = ((clamped - xk) / wk).clamp(0, 1);
            var xi1 = xi * (1 - xi);
            var denominator = sk + curvature * xi1;
            result = yk + hk * (sk * xi.square() + dk * xi1) / denominator;
            logDerivative = LogSlope(xi, sk, dk, dk1, denominator);
        }
        else
        {
            // Solve a ξ² + b ξ + c = 0 for ξ ∈ [0, 1]; the form 2c / (−b − √(b² − 4ac)) avoids cancellation.
            var dy = clamped - yk;
            var a = hk * (sk - dk) + dy * curvature;
            var b = hk * dk - dy * curvature;
            var c = -sk * dy;
            var discriminant = (b.square() - 4 * a * c).clamp_min(0);
            var xi = (2 * c / (-b - discriminant.sqrt())).clamp(0, 1);
            var xi1 = xi * (1 - xi);
            var denominator = sk + curvature * xi1;
            result = xk + xi * wk;
            logDerivative = -LogSlope(xi, sk, dk, dk1, denominator);
        }

        var output = where(inside, result, input);
        var logDet = where(inside, logDerivative, zeros_like(logDerivative));
        return scope.MoveToOuter(output, logDet);
    }

    // dy/dx = s² (d_{k+1} ξ² + 2 s ξ(1−ξ) + d_k (1−ξ)²) / denominator²
    private static Tensor LogSlope(Tensor xi, Tensor sk, Tensor dk, Tensor dk1, Tensor denominator)
    {
        var numerator = sk.square() * (dk1 * xi.square() + 2 * sk * xi * (1 - xi) + dk * (1 - xi).square());
        return numerator.log() - 2 * denominator.log();
    }

    // K+1 knot positions from −B to B (endpoints exact), bins at least minSize·2B wide.
    private static Tensor Knots(Tensor raw, double minSize, double bound)
    {
        long bins = raw.shape[^1];
        var fractions = nn.functional.softmax(raw, -1) * (1 - minSize * bins) + minSize;
        var cumulative = fractions.cumsum(-1).narrow(-1, 0, bins - 1);
        var shape = raw.shape.ToArray();
        shape[^1] = 1;
        var low = full(shape, -bound, dtype: raw.dtype, device: raw.device);
        var high = full(shape, bound, dtype: raw.dtype, device: raw.device);
        return cat([low, cumulative * (2 * bound) - bound, high], -1);
    }
}
