using BoltzmannGen.Flows;
using BoltzmannGen.Teacher.Ode;
using TorchSharp;
using Xunit.Abstractions;
using static BoltzmannGen.Tests.Teacher.Ode.OdeTestSupport;
using static TorchSharp.torch;

namespace BoltzmannGen.Tests.Teacher.Ode;

/// <summary>Exact divergence against independently computed Jacobian traces; Hutchinson as an unbiased estimate of it.</summary>
public class DivergenceTests(ITestOutputHelper output)
{
    private const int Batch = 4;

    /// <summary>tr(∂v/∂x) per sample from torch.autograd.functional.jacobian, one sample at a time.</summary>
    private static double[] JacobianTraces(BoltzmannGen.Teacher.IVelocityField field, Tensor x, Tensor t)
    {
        var traces = new double[x.shape[0]];
        for (int b = 0; b < x.shape[0]; b++)
        {
            using var scope = NewDisposeScope();
            var tb = t[b].unsqueeze(0);
            var jacobian = autograd.functional.jacobian(xb => field.Velocity(xb.unsqueeze(0), tb).squeeze(0), x[b].clone());
            Assert.Equal(new long[] { x.shape[1], x.shape[1] }, jacobian.shape);
            traces[b] = jacobian.diagonal().sum().to(float64).item<double>();
        }
        return traces;
    }

    /// <summary>Σ_i (v_i(x + h e_i) − v_i(x − h e_i)) / 2h per sample: no autograd at all.</summary>
    private static double[] FiniteDifferenceDivergence(BoltzmannGen.Teacher.IVelocityField field, Tensor x, Tensor t, double h = 1e-5)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var div = new double[x.shape[0]];
        for (int i = 0; i < x.shape[1]; i++)
        {
            var step = zeros_like(x);
            step.select(1, i).fill_(h);
            var difference = (field.Velocity(x + step, t) - field.Velocity(x - step, t)).select(1, i) / (2 * h);
            var d = ToDoubles(difference);
            for (int b = 0; b < div.Length; b++) div[b] += d[b];
        }
        return div;
    }

    [Theory]
    [InlineData(1)]     // one backward pass per dimension through a retained graph
    [InlineData(12)]    // three dimensions per replicated pass: chunks of 3 and 2
    [InlineData(1024)]  // all five dimensions in one replicated pass
    public void Exact_divergence_equals_the_trace_of_the_jacobian(int maxRowsPerPass)
    {
        using var scope = NewDisposeScope();
        var field = new TinyMlpField(5, 16, seed: 3, scale: 1.5, dtype: float64);
        var g = new Generator(21);
        var x = randn([Batch, 5], dtype: float64, generator: g);
        var t = rand([Batch], dtype: float64, generator: g);
        var (v, div) = ExactDivergence.Evaluate(field, x, t, maxRowsPerPass);
        Assert.Equal(ScalarType.Float64, div.dtype);
        Assert.Equal(new long[] { Batch, 5 }, v.shape);
        Assert.False(v.requires_grad);
        Assert.True(MaxAbs(v - field.Velocity(x, t)) <= 1e-12);
        var exact = ToDoubles(div);
        var traces = JacobianTraces(field, x, t);
        var differences = FiniteDifferenceDivergence(field, x, t);
        output.WriteLine($"exact {string.Join(", ", exact.Select(d => d.ToString("F6")))}");
        Assert.True(MaxAbsDiff(exact, traces) <= 1e-10, $"vs jacobian: {MaxAbsDiff(exact, traces):E2}");
        Assert.True(MaxAbsDiff(exact, differences) <= 1e-7, $"vs finite differences: {MaxAbsDiff(exact, differences):E2}");
        // The samples differ, so a batch-mixing bug (e.g. summing traces over the batch) would show.
        Assert.True(exact.Max() - exact.Min() > 0.1);
    }

    [Fact]
    public void Exact_divergence_works_in_float32_and_without_grad_mode()
    {
        using var scope = NewDisposeScope();
        var field = new TinyMlpField(5, 16, seed: 3, scale: 1.5);
        var g = new Generator(22);
        var x = randn([Batch, 5], generator: g);
        var t = rand([Batch], generator: g);
        foreach (int rows in new[] { 1, 1024 })
        {
            Tensor div;
            using (no_grad()) (_, div) = ExactDivergence.Evaluate(field, x, t, rows);
            Assert.True(MaxAbsDiff(ToDoubles(div), JacobianTraces(field, x, t)) <= 1e-5, $"{rows} rows per pass");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_field_that_ignores_x_has_zero_divergence(bool parameterised)
    {
        using var scope = NewDisposeScope();
        var field = new ConstantField(5, parameterised);
        var x = randn([Batch, 5], generator: new Generator(1));
        foreach (int rows in new[] { 1, 1024 })
        {
            var (_, exact) = ExactDivergence.Evaluate(field, x, full(Batch, 0.5f), rows);
            Assert.Equal(0.0, MaxAbs(exact));
        }
        var hutchinson = new HutchinsonDivergenceEstimate(seed: 1);
        var (_, estimate) = hutchinson.Bind(field, x)(x, full(Batch, 0.5f));
        Assert.Equal(0.0, MaxAbs(estimate));
    }

    [Theory]
    [InlineData(ProbeDistribution.Rademacher)]
    [InlineData(ProbeDistribution.Gaussian)]
    public void Hutchinson_mean_over_many_probes_approaches_the_exact_divergence(ProbeDistribution distribution)
    {
        using var scope = NewDisposeScope();
        const int probes = 4000;
        var field = new TinyMlpField(5, 16, seed: 4, scale: 1.5);
        var g = new Generator(23);
        var x = randn([Batch, 5], generator: g);
        var t = rand([Batch], generator: g);
        var exact = JacobianTraces(field, x, t);
        // One probe per replicated row gives the individual estimates, so the tolerance can be statistical.
        var estimator = new HutchinsonDivergenceEstimate(seed: 5, distribution);
        var xs = x.repeat(probes, 1);
        var ts = t.repeat(probes);
        var (_, single) = HutchinsonDivergenceEstimate.Evaluate(field, xs, ts, estimator.DrawProbes(xs));
        var perProbe = single.reshape(probes, Batch);
        var mean = ToDoubles(perProbe.mean([0]));
        var std = ToDoubles(perProbe.std([0]));
        for (int b = 0; b < Batch; b++)
        {
            double standardError = std[b] / Math.Sqrt(probes);
            output.WriteLine($"{distribution} sample {b}: exact {exact[b]:F4}, mean {mean[b]:F4} ± {standardError:F4} (probe std {std[b]:F3})");
            Assert.True(std[b] > 1e-2, "the estimate should be random for a dense non-symmetric Jacobian");
            Assert.True(Math.Abs(mean[b] - exact[b]) <= 4.5 * standardError, $"sample {b}: {mean[b]:F4} vs {exact[b]:F4}");
        }
    }

    [Fact]
    public void Several_probes_per_evaluation_average_the_single_probe_estimates()
    {
        using var scope = NewDisposeScope();
        var field = new TinyMlpField(5, 16, seed: 4, scale: 1.5, dtype: float64);
        var x = randn([Batch, 5], dtype: float64, generator: new Generator(24));
        var t = full(Batch, 0.3, dtype: float64);
        var probes = new HutchinsonDivergenceEstimate(seed: 9, probes: 3).DrawProbes(x);
        Assert.Equal(new long[] { 3, Batch, 5 }, probes.shape);
        var (_, averaged) = HutchinsonDivergenceEstimate.Evaluate(field, x, t, probes);
        var sum = zeros(Batch, dtype: float64);
        for (int k = 0; k < 3; k++) sum += HutchinsonDivergenceEstimate.Evaluate(field, x, t, probes.narrow(0, k, 1)).Divergence;
        Assert.True(MaxAbs(averaged - sum / 3) <= 1e-12);
        // Rademacher probes are ±1.
        Assert.True(MaxAbs(probes.abs() - 1) == 0);
    }

    [Fact]
    public void Mean_free_probes_are_centred_and_the_estimate_stays_unbiased()
    {
        using var scope = NewDisposeScope();
        const int atoms = 4, probes = 4000;
        var field = new TinyMlpField(3 * atoms, 16, seed: 6, scale: 1.5, meanFreeAtoms: atoms);
        var g = new Generator(25);
        var x = MeanFreeGaussian.Centre(randn([Batch, 3 * atoms], generator: g), atoms);
        var t = rand([Batch], generator: g);
        var exact = JacobianTraces(field, x, t);

        // For a mean-free field the divergence over all 3N coordinates equals the divergence on the CoM-free
        // subspace, tr(Qᵀ J Q) with Q an orthonormal basis of it (Helmert contrasts from the flows module).
        var basis = new CentredCoordinates(atoms, 1.0).Basis().to(float32);
        for (int b = 0; b < Batch; b++)
        {
            var tb = t[b].unsqueeze(0);
            var jacobian = autograd.functional.jacobian(xb => field.Velocity(xb.unsqueeze(0), tb).squeeze(0), x[b].clone());
            double subspace = basis.t().matmul(jacobian).matmul(basis).diagonal().sum().to(float64).item<double>();
            Assert.True(Math.Abs(subspace - exact[b]) <= 1e-4, $"sample {b}: subspace trace {subspace} vs {exact[b]}");
        }

        var estimator = new HutchinsonDivergenceEstimate(seed: 7, meanFreeAtoms: atoms);
        var xs = x.repeat(probes, 1);
        var drawn = estimator.DrawProbes(xs);
        Assert.True(MaxAbs(drawn.reshape(1, -1, atoms, 3).mean([2])) <= 1e-6, "probes must be mean-free");
        var (_, single) = HutchinsonDivergenceEstimate.Evaluate(field, xs, t.repeat(probes), drawn);
        var perProbe = single.reshape(probes, Batch);
        var mean = ToDoubles(perProbe.mean([0]));
        var std = ToDoubles(perProbe.std([0]));
        for (int b = 0; b < Batch; b++)
        {
            double standardError = std[b] / Math.Sqrt(probes);
            output.WriteLine($"sample {b}: exact {exact[b]:F4}, projected-probe mean {mean[b]:F4} ± {standardError:F4}");
            Assert.True(Math.Abs(mean[b] - exact[b]) <= 4.5 * standardError, $"sample {b}: {mean[b]:F4} vs {exact[b]:F4}");
        }
    }

    [Fact]
    public void Rademacher_hutchinson_is_exact_for_a_diagonal_jacobian_and_reproducible_by_seed()
    {
        // εᵀ diag(d) ε = Σ d_i ε_i² = Σ d_i for ε ∈ {±1}: through the whole flow, log q must equal the analytic one.
        using var scope = NewDisposeScope();
        var field = new GaussianInterpolationField([1.0, -2.0, 0.5], [0.3, 2.5, 0.8]);
        var options = new CnfOptions { Solver = "rk4", Steps = 40, Divergence = "hutchinson", Seed = 3 };
        var flow = new ContinuousFlow(field, new StandardGaussian(3), options);
        Assert.True(flow.Divergence.IsStochastic);
        var x0 = randn([8, 3], generator: new Generator(26));
        var (x1, logQ) = flow.Sample(x0);
        var lq = ToDoubles(logQ);
        for (int b = 0; b < 8; b++)
            Assert.True(Math.Abs(lq[b] - field.LogDensity(Row(x1, b))) <= 1e-4, $"sample {b}");

        // On a dense Jacobian the estimate is random: same seed, same values; another seed, other values.
        var mlp = new TinyMlpField(5, 16, seed: 4, scale: 1.5);
        var z = randn([8, 5], generator: new Generator(27));
        Tensor LogQ(long seed) => new ContinuousFlow(mlp, new StandardGaussian(5), options with { Seed = seed }).Sample(z).LogQ;
        Assert.Equal(0.0, MaxAbs(LogQ(1) - LogQ(1)));
        Assert.True(MaxAbs(LogQ(1) - LogQ(2)) > 1e-3);
    }
}
