using static TorchSharp.torch;

namespace BoltzmannGen.Teacher.Ode;

/// <summary>
/// Adaptive Dormand–Prince 5(4) (dopri5): a fifth-order solution with an embedded fourth-order one whose
/// difference estimates the local error. Learned velocity fields are stiff near t = 1 (where the density
/// concentrates on bonds) and gentle elsewhere, so error control spends evaluations where the field needs them
/// and gives log-likelihoods whose accuracy is known rather than hoped for.
/// </summary>
/// <remarks>
/// Error norm: for every state tensor the RMS of e / (atol + rtol·max(|y_n|, |y_n+1|)); the step is accepted when
/// the largest of these is ≤ 1. Taking the maximum over tensors (rather than one RMS over all elements) keeps the
/// B-element divergence accumulator from being drowned by the B·D coordinates. The step is shared by the batch.
/// In float32 states, tolerances much below 1e-6 cannot be met and end in <see cref="OdeStepLimitException"/>.
/// </remarks>
public sealed class DormandPrince5Solver : IOdeSolver
{
    // Butcher tableau (Dormand & Prince 1980). The seventh stage is evaluated at the new point (FSAL: first same
    // as last), so it is reused as the first stage of the next step: six new evaluations per step.
    private static readonly double[] C = [0.0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1.0, 1.0];
    private static readonly double[][] A =
    [
        [],
        [1.0 / 5],
        [3.0 / 40, 9.0 / 40],
        [44.0 / 45, -56.0 / 15, 32.0 / 9],
        [19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729],
        [9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656],
        [35.0 / 384, 0.0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84],
    ];

    // Fifth-order weights minus the embedded fourth-order weights (5179/57600, 0, 7571/16695, 393/640,
    // −92097/339200, 187/2100, 1/40).
    private static readonly double[] E =
        [71.0 / 57600, 0.0, -71.0 / 16695, 71.0 / 1920, -17253.0 / 339200, 22.0 / 525, -1.0 / 40];

    private const double Safety = 0.9;
    private const double MinFactor = 0.2;
    private const double MaxFactor = 10.0;

    public DormandPrince5Solver(double atol = 1e-5, double rtol = 1e-5, int maxSteps = 10_000)
    {
        if (!(atol > 0) || !double.IsFinite(atol)) throw new ArgumentOutOfRangeException(nameof(atol), atol, "atol must be positive and finite");
        if (!(rtol > 0) || !double.IsFinite(rtol)) throw new ArgumentOutOfRangeException(nameof(rtol), rtol, "rtol must be positive and finite");
        if (maxSteps < 1) throw new ArgumentOutOfRangeException(nameof(maxSteps), maxSteps, "maxSteps must be positive");
        Atol = atol;
        Rtol = rtol;
        MaxSteps = maxSteps;
    }

    public string Name => "dopri5";
    public double Atol { get; }
    public double Rtol { get; }

    /// <summary>Budget of attempted (accepted + rejected) steps before giving up.</summary>
    public int MaxSteps { get; }

    public OdeSolution Integrate(OdeRightHandSide f, Tensor[] y0, double t0, double t1)
    {
        OdeState.Validate(y0, t0, t1);
        using var noGrad = no_grad();
        using var loopScope = NewDisposeScope();
        if (t0 == t1)
        {
            var copy = y0.Select(s => s.clone()).ToArray();
            loopScope.MoveToOuter(copy);
            return new OdeSolution(copy, 0, 0, 0);
        }

        double direction = Math.Sign(t1 - t0);
        double span = Math.Abs(t1 - t0);
        int evaluations = 0;
        var y = y0;
        var k1 = OdeState.Evaluate(f, t0, y0);
        evaluations++;
        double h = direction * InitialStep(f, t0, y0, k1, span, direction, ref evaluations);

        double t = t0;
        int accepted = 0, rejected = 0;
        bool lastRejected = false;
        while (direction * (t1 - t) > 0)
        {
            if (accepted + rejected >= MaxSteps)
                throw new OdeStepLimitException(
                    $"dopri5 did not reach t = {t1} within {MaxSteps} steps (stopped at t = {t:G6}, step {Math.Abs(h):G3}, " +
                    $"atol {Atol:G3}, rtol {Rtol:G3}); loosen the tolerances, raise the step limit or check the field for blow-ups");
            // Land exactly on t1 rather than stepping past it; absorb a remainder too small to be a step of its own.
            bool last = Math.Abs(h) >= Math.Abs(t1 - t) * (1 - 1e-12);
            if (last) h = t1 - t;
            if (Math.Abs(h) <= span * 1e-12 || t + h == t)
                throw new OdeStepLimitException(
                    $"dopri5 step size underflow at t = {t:G6} (step {Math.Abs(h):G3}, atol {Atol:G3}, rtol {Rtol:G3}): " +
                    "the field is not finite or too stiff for these tolerances");

            Tensor[] yNew, k7;
            double error;
            using (var stepScope = NewDisposeScope())
            {
                var k = new Tensor[7][];
                k[0] = k1;
                for (int s = 1; s < 7; s++)
                {
                    var stage = OdeState.Combine(y, h, A[s], k);
                    k[s] = OdeState.Evaluate(f, t + C[s] * h, stage);
                    evaluations++;
                }
                yNew = OdeState.Combine(y, h, A[6], k); // fifth-order solution = the last stage's input
                var err = OdeState.Combine(ZerosLike(y), h, E, k);
                error = ErrorNorm(err, y, yNew);
                k7 = k[6];
                stepScope.MoveToOuter(yNew);
                stepScope.MoveToOuter(k7);
            }

            if (error <= 1.0)
            {
                if (!ReferenceEquals(y, y0)) OdeState.Dispose(y);
                OdeState.Dispose(k1);
                y = yNew;
                k1 = k7;
                t = last ? t1 : t + h;
                accepted++;
                // After a rejection the next step may not grow: the error estimate just proved unreliable there.
                double grow = lastRejected ? 1.0 : MaxFactor;
                h *= error == 0 ? grow : Math.Clamp(Safety * Math.Pow(error, -0.2), MinFactor, grow);
                lastRejected = false;
            }
            else
            {
                OdeState.Dispose(yNew);
                OdeState.Dispose(k7);
                rejected++;
                // A non-finite error (overflow in a trial stage) shrinks as much as allowed and retries.
                h *= double.IsFinite(error) ? Math.Clamp(Safety * Math.Pow(error, -0.2), MinFactor, 1.0) : MinFactor;
                lastRejected = true;
            }
        }
        OdeState.Dispose(k1);
        if (ReferenceEquals(y, y0)) y = y0.Select(s => s.clone()).ToArray();
        loopScope.MoveToOuter(y);
        return new OdeSolution(y, accepted, rejected, evaluations);
    }

    private static Tensor[] ZerosLike(Tensor[] y) => y.Select(s => zeros_like(s)).ToArray();

    private double ErrorNorm(Tensor[] err, Tensor[] y, Tensor[] yNew)
    {
        double norm = 0;
        for (int i = 0; i < err.Length; i++)
        {
            var scale = maximum(y[i].abs(), yNew[i].abs()).to(float64).mul(Rtol).add(Atol);
            double n = (err[i].to(float64) / scale).square().mean().sqrt().item<double>();
            if (double.IsNaN(n)) return double.PositiveInfinity;
            norm = Math.Max(norm, n);
        }
        return norm;
    }

    /// <summary>
    /// The starting step from the size of the state, of its derivative and of a finite-difference estimate of the
    /// second derivative (Hairer, Nørsett &amp; Wanner, Solving ODEs I, §II.4), so that the first step is neither wasted
    /// on rejections nor needlessly tiny; costs one evaluation.
    /// </summary>
    private double InitialStep(OdeRightHandSide f, double t0, Tensor[] y0, Tensor[] f0, double span, double direction, ref int evaluations)
    {
        using var scope = NewDisposeScope();
        double d0 = 0, d1 = 0;
        var scales = new Tensor[y0.Length];
        for (int i = 0; i < y0.Length; i++)
        {
            scales[i] = y0[i].abs().to(float64).mul(Rtol).add(Atol);
            d0 = Math.Max(d0, Rms(y0[i], scales[i]));
            d1 = Math.Max(d1, Rms(f0[i], scales[i]));
        }
        double h0 = d0 < 1e-5 || d1 < 1e-5 || !double.IsFinite(d0 / d1) ? 1e-6 : 0.01 * d0 / d1;
        h0 = Math.Min(h0, span);
        var y1 = OdeState.Combine(y0, h0 * direction, [1.0], f0);
        var f1 = OdeState.Evaluate(f, t0 + h0 * direction, y1);
        evaluations++;
        double d2 = 0;
        for (int i = 0; i < y0.Length; i++)
            d2 = Math.Max(d2, Rms(f1[i] - f0[i], scales[i]) / h0);
        double dMax = Math.Max(d1, d2);
        double h1 = dMax <= 1e-15 || !double.IsFinite(dMax) ? Math.Max(1e-6, h0 * 1e-3) : Math.Pow(0.01 / dMax, 0.2);
        return Math.Min(Math.Min(100 * h0, h1), span);
    }

    private static double Rms(Tensor value, Tensor scale) =>
        (value.to(float64) / scale).square().mean().sqrt().item<double>();
}
