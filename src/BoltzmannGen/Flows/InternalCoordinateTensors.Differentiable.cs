using BoltzmannGen.Coordinates;
using TorchSharp;
using static TorchSharp.torch;

namespace BoltzmannGen.Flows;

public static partial class InternalCoordinateTensors
{
    // Tensor + Tensor in TorchSharp 0.107 passes a temporary Scalar (alpha = 1) that the GC may finalise while
    // libtorch reads it; this one lives as long as the process. −, *, / and the functions used below take none,
    // and every constant is a tensor.
    private static readonly Scalar One = 1.0.ToScalar();

    /// <summary>
    /// Centred positions (B, N, 3) in nm and log|det ∂x/∂y| (B) of y (B, D), float64 on y's device, with the
    /// autograd graph kept (y may be float32; its gradient comes back in its own dtype). Same values as
    /// <see cref="InternalCoordinateMap.DecodeMany"/> up to rounding: batched over frames, sequential over the
    /// z-matrix rows.
    /// <para>
    /// ω_c's lab reference e1 is taken in closed form, (−cos θ_b cos φ_b, −cos θ_b sin φ_b, sin θ_b), which is the
    /// map's normalised ẑ − (u·ẑ)u whenever sin θ_b &gt; 0. The map's x̂ fallback (for sin θ_b = sech y₀ &lt; 1e-12,
    /// i.e. |y₀| &gt; 28) is not reproduced; there the two decodes differ by a rotation about u. Periodic values are
    /// not wrapped: they only enter through sin and cos.
    /// </para>
    /// </summary>
    public static (Tensor Positions, Tensor LogJacobian) DecodeDifferentiable(InternalCoordinateMap map, Tensor y)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(y);
        if (y.dim() != 2 || y.shape[1] != map.Dimension)
            throw new ArgumentException($"expected y (batch, {map.Dimension}), got ({string.Join(", ", y.shape)})", nameof(y));
        if (!y.is_floating_point()) throw new ArgumentException($"y must be floating point, got {y.dtype}", nameof(y));

        using var scope = NewDisposeScope();
        var device = y.device;
        Tensor Doubles(IEnumerable<double> values) => tensor(values.ToArray(), float64, device);
        Tensor Indices(IEnumerable<int> columns) => tensor(columns.Select(c => (long)c).ToArray(), int64, device);
        Tensor Constant(double value) => tensor(value, float64, device);
        var two = Constant(2);

        var (values, logJacobian) = Standardised(map, y.to(float64), Doubles, Indices, Constant);
        var cos = values.cos();
        var sin = values.sin();
        Tensor Column(Tensor t, int i) => t.narrow(1, i, 1); // (B, 1): broadcasts against (B, 3) vectors

        // r²·|sin θ| per placed atom (b: r_ab² with sin θ_b = sech y₀ counted in Standardised).
        logJacobian = Add(logJacobian, Add(
            two * values.index_select(1, Indices(Columns(map, CoordinateKind.Length))).abs().log().sum(1),
            sin.index_select(1, Indices(Columns(map, CoordinateKind.Angle))).abs().log().sum(1)));

        var x = new Tensor[map.Atoms];
        var atom = map.AtomColumn;
        var bond = map.BondColumn;
        var angle = map.AngleColumn;
        var torsion = map.TorsionColumn;

        // a at the origin, b along u(θ_b, φ_b); c rotated by ω about the a–b axis from the (u, ẑ) half-plane.
        Tensor cosTheta = Column(cos, 0), sinTheta = Column(sin, 0), cosPhi = Column(cos, 1), sinPhi = Column(sin, 1);
        var u = cat([sinTheta * cosPhi, sinTheta * sinPhi, cosTheta], 1);
        var e1 = cat([(cosTheta * cosPhi).neg(), (cosTheta * sinPhi).neg(), sinTheta], 1);
        var e2 = cat([sinPhi, cosPhi.neg(), zeros_like(sinPhi)], 1); // u × e1
        x[atom[0]] = zeros_like(u);
        x[atom[1]] = Column(values, 3) * u;
        var xj = x[bond[2]];
        var axis = Normalised(x[angle[2]] - xj); // ±u, and the sign of r_ab
        var radial = Add(Column(cos, 2) * e1, Column(sin, 2) * e2);
        var rc = Column(values, 4);
        x[atom[2]] = Add(Add(xj, rc * Column(cos, 5) * axis), rc * Column(sin, 5) * radial);

        for (int m = 3; m < map.Atoms; m++)
        {
            // Geometry.Place: e along k → j, n normal to the l–k–j plane, m' = n × e.
            int o = 3 * m - 3;
            Tensor j = x[bond[m]], k = x[angle[m]], l = x[torsion[m]];
            var e = Normalised(j - k);
            var n = Normalised(linalg.cross(k - l, e, -1));
            var inPlane = linalg.cross(n, e, -1);
            var r = Column(values, o);
            var rs = r * Column(sin, o + 1);
            x[atom[m]] = Add(Add(j - r * Column(cos, o + 1) * e, rs * Column(cos, o + 2) * inPlane), rs * Column(sin, o + 2) * n);
        }

        var positions = stack(x, 1);
        return scope.MoveToOuter(positions - positions.mean([1], keepdim: true), logJacobian);
    }

    /// <summary>
    /// The raw coordinates (B, D) from y (B, D) float64 and the log-Jacobian terms that depend on y alone:
    /// Σ log|dvalue/dy|, sin θ_b = sech y₀, and −(3/2)·log N for the centring.
    /// </summary>
    private static (Tensor Values, Tensor LogJacobian) Standardised(InternalCoordinateMap map, Tensor y,
        Func<IEnumerable<double>, Tensor> doubles, Func<IEnumerable<int>, Tensor> indices, Func<double, Tensor> constant)
    {
        var location = map.Location;
        var scale = map.Scale;
        int[] affine = Columns(map, CoordinateKind.Length, CoordinateKind.Angle);
        int[] periodic = Columns(map, CoordinateKind.Periodic);
        int[] polar = Columns(map, CoordinateKind.Polar);

        // Length, angle: location + scale·y.
        var yAffine = y.index_select(1, indices(affine));
        var affineValues = Add(doubles(affine.Select(i => location[i])), doubles(affine.Select(i => scale[i])) * yAffine);
        // Periodic: location + π·erf(s·y/√2), |dvalue/dy| = s·√(2π)·exp(−s²y²/2).
        var scaled = doubles(periodic.Select(i => scale[i])) * y.index_select(1, indices(periodic));
        var periodicValues = Add(doubles(periodic.Select(i => location[i])),
            constant(Math.PI) * (scaled / constant(Math.Sqrt(2))).erf());
        // Polar: θ = 2·atan(exp(−y)), |dθ/dy| = sech y, and sin θ = sech y again for b's volume element.
        var yPolar = y.index_select(1, indices(polar));
        var polarValues = constant(2) * yPolar.neg().exp().atan();

        var order = affine.Concat(periodic).Concat(polar).ToArray();
        var inverse = new int[order.Length];
        for (int i = 0; i < order.Length; i++) inverse[order[i]] = i;
        var values = cat([affineValues, periodicValues, polarValues], 1).index_select(1, indices(inverse));

        double fixedPart = -InternalCoordinateMap.CentringLogDet(map.Atoms)
                         + affine.Sum(i => Math.Log(scale[i]))
                         + periodic.Sum(i => Math.Log(scale[i] * Math.Sqrt(2 * Math.PI)));
        var logJacobian = constant(fixedPart)
                        - constant(0.5) * (scaled * scaled).sum(1)
                        - constant(2) * LogCosh(yPolar, constant).sum(1);
        return (values, logJacobian);
    }

    /// <summary>log cosh y = |y| + log(1 + e^(−2|y|)) − log 2, finite for any y (derivative tanh y, also at 0).</summary>
    private static Tensor LogCosh(Tensor y, Func<double, Tensor> constant)
    {
        var a = y.abs();
        return Add(a, (constant(-2) * a).exp().log1p()) - constant(Math.Log(2));
    }

    private static int[] Columns(InternalCoordinateMap map, params CoordinateKind[] kinds) =>
        Enumerable.Range(0, map.Dimension).Where(i => kinds.Contains(map.Kinds[i])).ToArray();

    private static Tensor Normalised(Tensor v) => v / linalg.vecdot(v, v, -1).sqrt().unsqueeze(1);

    private static Tensor Add(Tensor a, Tensor b) => a.add(b, One);
}
