using BoltzmannGen.Teacher.Ode;
using TorchSharp;
using Xunit.Abstractions;
using static BoltzmannGen.Tests.Teacher.Ode.OdeTestSupport;
using static TorchSharp.torch;

namespace BoltzmannGen.Tests.Teacher.Ode;

/// <summary>
/// Solvers against the Gaussian-interpolation field, whose flow map μ + σ⊙x0 and density N(μ, σ²) are known in
/// closed form (see <see cref="GaussianInterpolationField"/>).
/// </summary>
public class OdeSolverTests(ITestOutputHelper output)
{
    private static readonly double[] Mu = [1.0, -2.0, 0.5, 3.0];
    private static readonly double[] Sigma = [0.3, 2.5, 0.8, 1.5];

    private static GaussianInterpolationField Field() => new(Mu, Sigma);

    private static Tensor PriorDraws(int n, ScalarType dtype = ScalarType.Float32, long seed = 11) =>
        randn([n, Mu.Length], dtype: dtype, generator: new Generator((ulong)seed));

    [Theory]
    [InlineData("euler", 200, 0.1)]
    [InlineData("midpoint", 50, 5e-3)]
    [InlineData("rk4", 20, 2e-4)]
    [InlineData("dopri5", 0, 1e-4)]
    public void Every_solver_follows_a_curved_flow_to_its_analytic_end_point(string solver, int steps, double tolerance)
    {
        using var scope = NewDisposeScope();
        var field = new SpiralField(4, alpha: -0.5, omega: 3.0);
        var flow = new ContinuousFlow(field, new StandardGaussian(4),
            new CnfOptions { Solver = solver, Steps = Math.Max(steps, 1), Atol = 1e-6, Rtol = 1e-6 });
        var x0 = PriorDraws(16);
        var x1 = flow.Transport(x0);
        double error = field.EndPointError(x0, x1);
        output.WriteLine($"{solver}: max error {error:E2}, {flow.FieldEvaluations} evaluations");
        Assert.True(error <= tolerance, $"{solver}: max error {error:E2} > {tolerance:E1}");
        Assert.Equal(ScalarType.Float32, x1.dtype);
        Assert.False(x1.requires_grad);
        // Backwards from the end point recovers x0 as well.
        double backError = MaxAbs(flow.InverseTransport(x1) - x0);
        output.WriteLine($"{solver}: max backward error {backError:E2}");
        Assert.True(backError <= 3 * tolerance, $"{solver}: backward error {backError:E2}");
    }

    [Theory]
    [InlineData("euler", 1, 100)]
    [InlineData("midpoint", 2, 50)]
    [InlineData("rk4", 4, 20)]
    public void Fixed_step_errors_shrink_at_the_order_of_the_method(string solver, int order, int steps)
    {
        // float64 states so that rounding does not hide the truncation error of RK4. Positions on the curved
        // spiral flow; log-densities on the Gaussian interpolation, where the divergence integral ∫(σ−1)/a(t) dt is
        // what the solver has to get right (its trajectories are straight, the integrand is not constant).
        using var scope = NewDisposeScope();
        double expected = Math.Pow(2, order);
        var spiral = new SpiralField(4, alpha: -0.5, omega: 3.0);
        var gaussian = Field();
        var x0 = PriorDraws(8, float64);
        var exactLogQ = Enumerable.Range(0, 8).Select(b => gaussian.LogDensity(gaussian.EndPoint(Row(x0, b)))).ToArray();
        (double Position, double LogQ) Errors(int n)
        {
            var options = new CnfOptions { Solver = solver, Steps = n };
            var positions = spiral.EndPointError(x0, new ContinuousFlow(spiral, new StandardGaussian(4), options).Transport(x0));
            var (_, logQ) = new ContinuousFlow(gaussian, new StandardGaussian(Mu.Length), options).Sample(x0);
            return (positions, MaxAbsDiff(ToDoubles(logQ), exactLogQ));
        }
        var coarse = Errors(steps);
        var fine = Errors(2 * steps);
        double positionRatio = coarse.Position / fine.Position, logQRatio = coarse.LogQ / fine.LogQ;
        output.WriteLine($"{solver}: position error {coarse.Position:E3} → {fine.Position:E3} (ratio {positionRatio:F2}), " +
                         $"log q error {coarse.LogQ:E3} → {fine.LogQ:E3} (ratio {logQRatio:F2}); expected {expected}");
        Assert.InRange(positionRatio, 0.85 * expected, 1.15 * expected);
        Assert.InRange(logQRatio, 0.85 * expected, 1.15 * expected);
    }

    [Theory]
    [InlineData("rk4")]
    [InlineData("dopri5")]
    public void Sampled_log_density_equals_the_analytic_gaussian(string solver)
    {
        using var scope = NewDisposeScope();
        var field = Field();
        var flow = new ContinuousFlow(field, new StandardGaussian(Mu.Length),
            new CnfOptions { Solver = solver, Steps = 40, Atol = 1e-6, Rtol = 1e-6 });
        var x0 = PriorDraws(16);
        var (x1, logQ) = flow.Sample(x0);
        Assert.Equal(ScalarType.Float64, logQ.dtype);
        Assert.Equal(new long[] { 16 }, logQ.shape);
        var lq = ToDoubles(logQ);
        double worst = 0;
        for (int b = 0; b < 16; b++)
        {
            // The analytic density at the returned point and at the exact end point must both agree with log q.
            worst = Math.Max(worst, Math.Abs(lq[b] - field.LogDensity(Row(x1, b))));
            worst = Math.Max(worst, Math.Abs(lq[b] - field.LogDensity(field.EndPoint(Row(x0, b)))));
        }
        double positionError = EndPointError(field, x0, x1);
        output.WriteLine($"{solver}: max |log q − log N| = {worst:E2}, max |x1 − (μ + σx0)| = {positionError:E2}");
        Assert.True(positionError <= 2e-5, $"{solver}: end point error {positionError:E2}");
        Assert.True(worst <= 2e-4, $"{solver}: max |log q − log N| = {worst:E2}");
    }

    [Theory]
    [InlineData("rk4")]
    [InlineData("dopri5")]
    public void Backward_log_likelihood_equals_the_analytic_gaussian(string solver)
    {
        using var scope = NewDisposeScope();
        var field = Field();
        var flow = new ContinuousFlow(field, new StandardGaussian(Mu.Length),
            new CnfOptions { Solver = solver, Steps = 40, Atol = 1e-6, Rtol = 1e-6 });
        // Data points drawn from N(μ, σ²) directly, in doubles.
        var z = PriorDraws(16, float64, seed: 5);
        var data = new double[16 * Mu.Length];
        for (int b = 0; b < 16; b++) field.EndPoint(Row(z, b)).CopyTo(data, b * Mu.Length);
        var x1 = tensor(data, [16, Mu.Length], dtype: float32);
        var (x0, logQ) = flow.Invert(x1);
        var likelihood = ToDoubles(flow.LogLikelihood(x1));
        var lq = ToDoubles(logQ);
        double worst = 0, worstStart = 0;
        for (int b = 0; b < 16; b++)
        {
            double expected = field.LogDensity(Row(x1, b));
            worst = Math.Max(worst, Math.Max(Math.Abs(lq[b] - expected), Math.Abs(likelihood[b] - expected)));
            worstStart = Math.Max(worstStart, MaxAbsDiff(Row(x0, b), field.StartPoint(Row(x1, b))));
        }
        output.WriteLine($"{solver}: max |log q − log N| = {worst:E2}, max |x0 − (x1−μ)/σ| = {worstStart:E2}");
        Assert.True(worst <= 2e-4, $"{solver}: max |log q − log N| = {worst:E2}");
        Assert.True(worstStart <= 1e-4, $"{solver}: max start-point error {worstStart:E2}");
    }

    [Fact]
    public void Dopri5_reaches_rk4_accuracy_with_fewer_evaluations_and_respects_its_tolerance()
    {
        using var scope = NewDisposeScope();
        var field = new SpiralField(4, alpha: -0.5, omega: 6.0);
        var x0 = PriorDraws(8, float64);
        var prior = new StandardGaussian(4);
        const double tol = 1e-8;
        var dopri = new ContinuousFlow(field, prior, new CnfOptions { Solver = "dopri5", Atol = tol, Rtol = tol });
        double dopriError = field.EndPointError(x0, dopri.Transport(x0));
        long dopriEvaluations = dopri.FieldEvaluations;
        // The global error of a tolerance-controlled solve is of the order of the tolerance times the state scale.
        Assert.True(dopriError <= 100 * tol, $"dopri5 error {dopriError:E2} at tol {tol:E0}");

        int steps = 1;
        double rk4Error;
        while (true)
        {
            var rk4 = new ContinuousFlow(field, prior, new CnfOptions { Solver = "rk4", Steps = steps });
            rk4Error = field.EndPointError(x0, rk4.Transport(x0));
            if (rk4Error <= dopriError || steps > 4096) break;
            steps = (int)Math.Ceiling(steps * 1.1) + 1;
        }
        output.WriteLine($"dopri5: error {dopriError:E2} with {dopriEvaluations} evaluations; rk4: error {rk4Error:E2} needs {steps} steps = {4 * steps} evaluations");
        Assert.True(dopriEvaluations < 4 * steps, $"dopri5 used {dopriEvaluations} evaluations, rk4 {4 * steps} for the same accuracy");

        // Looser tolerances cost fewer evaluations and still meet themselves.
        var loose = new ContinuousFlow(field, prior, new CnfOptions { Solver = "dopri5", Atol = 1e-4, Rtol = 1e-4 });
        double looseError = field.EndPointError(x0, loose.Transport(x0));
        output.WriteLine($"dopri5 at 1e-4: error {looseError:E2} with {loose.FieldEvaluations} evaluations");
        Assert.True(looseError <= 100 * 1e-4 && looseError > dopriError, $"loose error {looseError:E2}");
        Assert.True(loose.FieldEvaluations < dopriEvaluations);
    }

    [Fact]
    public void Field_evaluations_are_counted_per_solver_stage()
    {
        using var scope = NewDisposeScope();
        var x0 = PriorDraws(3);
        foreach (var (solver, stages) in new[] { ("euler", 1), ("midpoint", 2), ("rk4", 4) })
        {
            var field = Field();
            var flow = new ContinuousFlow(field, new StandardGaussian(Mu.Length), new CnfOptions { Solver = solver, Steps = 7 });
            flow.Transport(x0);
            Assert.Equal(7 * stages, field.Calls);
            Assert.Equal(field.Calls, flow.FieldEvaluations);
            Assert.Equal(7 * stages, flow.LastSolve!.Evaluations);
            flow.Sample(x0);
            Assert.Equal(2 * 7 * stages, flow.FieldEvaluations);
            flow.ResetCounters();
            Assert.Equal(0, flow.FieldEvaluations);
        }
        var adaptiveField = Field();
        var adaptive = new ContinuousFlow(adaptiveField, new StandardGaussian(Mu.Length), new CnfOptions { Solver = "dopri5" });
        adaptive.Transport(x0);
        var stats = adaptive.LastSolve!;
        Assert.Equal(adaptiveField.Calls, adaptive.FieldEvaluations);
        // FSAL: one evaluation at the start, one for the initial step size, six per attempted step.
        Assert.Equal(2 + 6 * (stats.Steps + stats.RejectedSteps), stats.Evaluations);
    }

    [Fact]
    public void Long_integrations_free_their_intermediates_every_step()
    {
        using var scope = NewDisposeScope();
        var field = Field();
        var x0 = PriorDraws(4);
        foreach (var options in new[]
                 {
                     new CnfOptions { Solver = "rk4", Steps = 300 },
                     new CnfOptions { Solver = "dopri5", Atol = 1e-7, Rtol = 1e-7 },
                 })
        {
            var flow = new ContinuousFlow(field, new StandardGaussian(Mu.Length), options);
            long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            var (x1, logQ) = flow.Sample(x0);
            var x2 = flow.Transport(x0);
            long after = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            output.WriteLine($"{options.Solver}: {flow.FieldEvaluations} evaluations, {after - before} live tensors added");
            Assert.True(flow.FieldEvaluations > 100);
            Assert.True(after - before <= 3, $"{options.Solver}: {after - before} tensors left alive (expected the 3 results)");
        }
    }
}
