using BoltzmannGen.Flows;
using BoltzmannGen.Teacher.Ode;
using TorchSharp;
using Xunit.Abstractions;
using static BoltzmannGen.Tests.Teacher.Ode.OdeTestSupport;
using static TorchSharp.torch;

namespace BoltzmannGen.Tests.Teacher.Ode;

/// <summary>The teacher's setting: mean-free fields, densities over the 3N−3 CoM-free degrees of freedom.</summary>
public class MeanFreeFlowTests(ITestOutputHelper output)
{
    private const int Atoms = 5;

    [Fact]
    public void Mean_free_gaussian_is_the_standard_normal_of_the_centred_basis()
    {
        // Independent reference: the flows module's orthonormal centred basis with its D−3 dimensional prior.
        using var scope = NewDisposeScope();
        var prior = new MeanFreeGaussian(Atoms);
        Assert.Equal(3 * Atoms, prior.Dimension);
        Assert.Equal(3 * Atoms - 3, prior.DegreesOfFreedom);
        var positions = randn([6, Atoms, 3], dtype: float64, generator: new Generator(31));
        var reference = new StandardNormalPrior(3 * Atoms - 3).LogProb(new CentredCoordinates(Atoms, 1.0).Project(positions));
        var centred = MeanFreeGaussian.Centre(positions.reshape(6, -1), Atoms);
        Assert.True(MaxAbs(prior.LogProb(centred) - reference) <= 1e-4); // the basis is float32
        // A translation carries no density on the subspace.
        var shifted = (positions + tensor(new[] { 2.0, -1.0, 0.5 }, dtype: float64)).reshape(6, -1);
        Assert.True(MaxAbs(prior.LogProb(shifted) - reference) <= 1e-4);
        var samples = prior.Sample(1000, new Generator(32));
        Assert.True(MaxAbs(samples.reshape(1000, Atoms, 3).mean([1])) <= 1e-5);
        Assert.Equal(ScalarType.Float64, prior.LogProb(samples).dtype);
    }

    [Theory]
    [InlineData("rk4")]
    [InlineData("dopri5")]
    public void Mean_free_scaling_gives_the_analytic_density_over_3N_minus_3_dimensions(string solver)
    {
        using var scope = NewDisposeScope();
        const double sigma = 1.7;
        int dof = 3 * Atoms - 3;
        var flow = new ContinuousFlow(new MeanFreeScalingField(Atoms, sigma), new MeanFreeGaussian(Atoms),
            new CnfOptions { Solver = solver, Steps = 40, Atol = 1e-6, Rtol = 1e-6 });
        var x0 = new MeanFreeGaussian(Atoms).Sample(6, new Generator(33));
        var (x1, logQ) = flow.Sample(x0);
        var back = flow.LogLikelihood(x1);
        var lq = ToDoubles(logQ);
        var lb = ToDoubles(back);
        for (int b = 0; b < 6; b++)
        {
            var z = Row(x0, b);
            double expected = -0.5 * z.Sum(v => v * v) - 0.5 * dof * Math.Log(2 * Math.PI) - dof * Math.Log(sigma);
            Assert.True(Math.Abs(lq[b] - expected) <= 1e-4, $"{solver} forward sample {b}: {lq[b]} vs {expected}");
            Assert.True(Math.Abs(lb[b] - expected) <= 1e-4, $"{solver} backward sample {b}: {lb[b]} vs {expected}");
            Assert.True(MaxAbsDiff(Row(x1, b), z.Select(v => sigma * v).ToArray()) <= 1e-4);
        }
    }

    [Fact]
    public void Round_trip_through_a_non_linear_mean_free_field_reconstructs_and_log_densities_agree()
    {
        using var scope = NewDisposeScope();
        var prior = new MeanFreeGaussian(Atoms);
        var field = new TinyMlpField(3 * Atoms, 24, seed: 8, scale: 1.5, meanFreeAtoms: Atoms);
        var flow = new ContinuousFlow(field, prior, new CnfOptions { Solver = "dopri5", Atol = 1e-6, Rtol = 1e-6 });
        var x0 = prior.Sample(8, new Generator(34));
        var (x1, forward) = flow.Sample(x0);
        var forwardStats = flow.LastSolve!;
        var (x0Back, backward) = flow.Invert(x1);
        double reconstruction = MaxAbs(x0Back - x0), disagreement = MaxAbs(forward - backward);
        double moved = MaxAbs(x1 - x0), drift = MaxAbs(x1.reshape(8, Atoms, 3).mean([1]));
        double change = MaxAbs(forward - prior.LogProb(x0));
        output.WriteLine($"moved {moved:F3}, |Δlog q| from prior {change:F3}, reconstruction {reconstruction:E2}, " +
                         $"log q forward − backward {disagreement:E2}, CoM drift {drift:E2}, {forwardStats.Evaluations} evaluations forward");
        Assert.True(moved > 0.3, "the field should move the samples");
        Assert.True(change > 0.3, "the field should change the density");
        Assert.True(reconstruction <= 1e-4, $"reconstruction {reconstruction:E2}");
        Assert.True(disagreement <= 1e-4, $"log q forward vs backward {disagreement:E2}");
        Assert.True(drift <= 1e-5, $"centre of mass drifted by {drift:E2}");
    }
}
