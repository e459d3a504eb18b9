using BoltzmannGen.Flows;
using BoltzmannGen.Training;
using TorchSharp;
using static BoltzmannGen.Tests.Flows.FlowTestSupport;
using static TorchSharp.torch;

namespace BoltzmannGen.Tests.Training;

/// <summary>
/// Known answers for the FORT pair loss L = mean‖f(u0) − u1‖² + λ_ld·mean (log|det|)² + λ_fb·mean‖f⁻¹(f(u0)) − u0‖²,
/// each term alone and all together, on a flow whose forward map, log-det and (deliberately wrong) inverse are
/// known in closed form, and against a brute-force evaluation of a perturbed spline flow's own outputs.
/// </summary>
public class FortPairLossTests
{
    /// <summary>
    /// Forward y = x·exp(a) + b (log|det| = Σa per sample); "inverse" x = (y − b)·exp(−a) + c, i.e. the exact
    /// inverse shifted by c, so the forward-backward term is mean c² instead of 0.
    /// </summary>
    private sealed class OffsetInverseAffine : FlowLayer
    {
        private readonly Tensor logScale, shift, inverseOffset;

        public OffsetInverseAffine(double[] logScale, double[] shift, double[] inverseOffset) : base(nameof(OffsetInverseAffine), logScale.Length)
        {
            this.logScale = tensor(logScale, float64).DetachFromDisposeScope();
            this.shift = tensor(shift, float64).DetachFromDisposeScope();
            this.inverseOffset = tensor(inverseOffset, float64).DetachFromDisposeScope();
            RegisterComponents();
        }

        public override (Tensor y, Tensor logDet) Forward(Tensor x) =>
            (x * logScale.exp() + shift, logScale.sum().expand(x.shape[0]));

        public override (Tensor x, Tensor logDet) Inverse(Tensor y) =>
            ((y - shift) * (-logScale).exp() + inverseOffset, (-logScale).sum().expand(y.shape[0]));
    }

    // Two atoms: D = 3. a = (ln 2, ln 2, 0) ⇒ scale (2, 2, 1), log|det| = 2 ln 2; b = (1, 0, −1); c = (0.1, 0, −0.2).
    private static BoltzmannFlow Model() =>
        new(2, 1.0, new OffsetInverseAffine([Math.Log(2), Math.Log(2), 0], [1, 0, -1], [0.1, 0, -0.2]));

    // u0 = [[1, 2, 3], [0, −1, 1]] ⇒ f(u0) = [[3, 4, 2], [1, −2, 0]].
    private static Tensor U0() => tensor(new double[] { 1, 2, 3, 0, -1, 1 }, [2, 3], float64);

    // u1: the first pair is hit exactly, the second is off by (1, −2, 0): squared error 5 over 6 coordinates.
    private static Tensor U1() => tensor(new double[] { 3, 4, 2, 0, 0, 0 }, [2, 3], float64);

    private const double Regression = 5.0 / 6.0;
    private static readonly double LogDetSquared = Math.Pow(2 * Math.Log(2), 2);   // the same for both samples
    private const double ForwardBackward = (0.01 + 0 + 0.04) / 3.0;               // mean c², both samples alike

    private static double Loss(double lambdaLogdet, double lambdaFb)
    {
        using var scope = NewDisposeScope();
        var model = Model();
        return FortObjective.PairLoss(model, U0(), U1(), lambdaLogdet, lambdaFb).item<double>();
    }

    [Fact]
    public void Without_penalties_the_loss_is_the_mean_squared_regression_error()
    {
        Assert.Equal(Regression, Loss(0, 0), 12);
    }

    [Fact]
    public void The_log_det_penalty_adds_lambda_times_the_mean_squared_log_det()
    {
        Assert.Equal(Regression + 0.5 * LogDetSquared, Loss(0.5, 0), 12);
        Assert.Equal(0.5 * LogDetSquared, Loss(0.5, 0) - Loss(0, 0), 12);
    }

    [Fact]
    public void The_forward_backward_penalty_adds_lambda_times_the_mean_squared_round_trip_error()
    {
        Assert.Equal(Regression + 2.0 * ForwardBackward, Loss(0, 2.0), 12);
        Assert.Equal(2.0 * ForwardBackward, Loss(0, 2.0) - Loss(0, 0), 12);
    }

    [Fact]
    public void All_three_terms_add_up()
    {
        Assert.Equal(Regression + 0.5 * LogDetSquared + 2.0 * ForwardBackward, Loss(0.5, 2.0), 12);
        // 5/6 + 0.5·(2 ln 2)² + 2·(0.05/3), written out.
        Assert.Equal(0.8333333333333334 + 0.9609060278364028 + 0.03333333333333333, Loss(0.5, 2.0), 12);
    }

    [Fact]
    public void The_loss_of_a_perturbed_spline_flow_matches_a_brute_force_evaluation_of_its_outputs()
    {
        using var scope = NewDisposeScope();
        const int atoms = 4, d = 9, n = 5;
        var model = BoltzmannFlow.Create(atoms, 0.3, "nsf", Small).to(float64);
        Perturb(model, 0.2, seed: 17);
        using var g = new Generator(5);
        var u0 = randn([n, d], dtype: float64, generator: g);
        var u1 = randn([n, d], dtype: float64, generator: g) * 0.7 + 0.2;

        // The model's own outputs, as plain arrays.
        double[] y, logDet, back;
        using (no_grad())
        {
            var (forward, ld) = model.Flow.Forward(u0);
            (y, logDet) = (ToDoubles(forward), ToDoubles(ld));
            back = ToDoubles(model.Flow.Inverse(forward).x);
        }
        var a = ToDoubles(u0);
        var b = ToDoubles(u1);
        double regression = 0, logDetSquared = 0, roundTrip = 0;
        for (int i = 0; i < n * d; i++)
        {
            regression += (y[i] - b[i]) * (y[i] - b[i]) / (n * d);
            roundTrip += (back[i] - a[i]) * (back[i] - a[i]) / (n * d);
        }
        for (int s = 0; s < n; s++) logDetSquared += logDet[s] * logDet[s] / n;
        Assert.True(logDetSquared > 1e-3, $"the perturbation must give a non-zero log-det ({logDetSquared})");

        double Pair(double ld, double fb) => FortObjective.PairLoss(model, u0, u1, ld, fb).item<double>();
        Assert.Equal(regression, Pair(0, 0), 12);
        Assert.Equal(regression + 0.3 * logDetSquared, Pair(0.3, 0), 12);
        Assert.Equal(regression + 0.3 * logDetSquared + 4.0 * roundTrip, Pair(0.3, 4.0), 12);
    }

    [Fact]
    public void The_loss_is_differentiable_in_the_flow_parameters()
    {
        using var scope = NewDisposeScope();
        var model = BoltzmannFlow.Create(4, 0.3, "nsf", Small).to(float64);
        Perturb(model, 0.2, seed: 18);
        using var g = new Generator(6);
        var u0 = randn([5, 9], dtype: float64, generator: g);
        var u1 = randn([5, 9], dtype: float64, generator: g);
        var loss = FortObjective.PairLoss(model, u0, u1, 0.1, 0.1);
        loss.backward();
        Assert.Contains(model.parameters(), p => p.grad is { } grad && MaxAbs(grad) > 0);
    }
}
