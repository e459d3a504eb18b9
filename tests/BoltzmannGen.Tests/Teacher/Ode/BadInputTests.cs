using BoltzmannGen.Teacher.Ode;
using static TorchSharp.torch;

namespace BoltzmannGen.Tests.Teacher.Ode;

/// <summary>Misuse fails early with a message that says what was expected.</summary>
public class BadInputTests
{
    private static GaussianInterpolationField Field() => new([1.0, -2.0, 0.5, 3.0], [0.3, 2.5, 0.8, 1.5]);

    [Theory]
    [InlineData("rk45")]
    [InlineData("")]
    [InlineData("dopri")]
    public void Unknown_solver_names_are_rejected_listing_the_valid_ones(string name)
    {
        var e = Assert.Throws<ArgumentException>(() => new ContinuousFlow(Field(), new StandardGaussian(4), new CnfOptions { Solver = name }));
        Assert.Contains($"'{name}'", e.Message);
        Assert.Contains("euler, midpoint, rk4, dopri5", e.Message);
        Assert.Throws<ArgumentException>(() => OdeSolvers.Create(name));
    }

    [Fact]
    public void Solver_names_are_case_insensitive()
    {
        Assert.Equal("dopri5", OdeSolvers.Create(" DoPri5 ").Name);
        Assert.Equal("rk4", new ContinuousFlow(Field(), new StandardGaussian(4), new CnfOptions { Solver = "RK4" }).Solver.Name);
    }

    [Fact]
    public void Unknown_divergence_and_probe_names_are_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => new CnfOptions { Divergence = "trace" }.Validate());
        Assert.Contains("exact, hutchinson", e.Message);
        e = Assert.Throws<ArgumentException>(() => new CnfOptions { Divergence = "hutchinson", Probe = "uniform" }.Validate());
        Assert.Contains("rademacher, gaussian", e.Message);
    }

    public static TheoryData<CnfOptions, string> BadOptions => new()
    {
        { new CnfOptions { Steps = 0 }, nameof(CnfOptions.Steps) },
        { new CnfOptions { Steps = -5 }, nameof(CnfOptions.Steps) },
        { new CnfOptions { Atol = 0 }, nameof(CnfOptions.Atol) },
        { new CnfOptions { Atol = -1e-6 }, nameof(CnfOptions.Atol) },
        { new CnfOptions { Atol = double.NaN }, nameof(CnfOptions.Atol) },
        { new CnfOptions { Rtol = 0 }, nameof(CnfOptions.Rtol) },
        { new CnfOptions { Rtol = double.PositiveInfinity }, nameof(CnfOptions.Rtol) },
        { new CnfOptions { MaxSteps = 0 }, nameof(CnfOptions.MaxSteps) },
        { new CnfOptions { Probes = 0 }, nameof(CnfOptions.Probes) },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Non_positive_steps_tolerances_and_budgets_are_rejected(CnfOptions options, string parameter)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new ContinuousFlow(Field(), new StandardGaussian(4), options));
        Assert.Equal(parameter, e.ParamName);
        Assert.ThrowsAny<ArgumentException>(() => new EulerSolver(0));
        Assert.ThrowsAny<ArgumentException>(() => new DormandPrince5Solver(atol: 0));
        Assert.ThrowsAny<ArgumentException>(() => new DormandPrince5Solver(rtol: -1));
    }

    [Fact]
    public void Wrong_shapes_and_dtypes_are_rejected_with_the_expected_shape()
    {
        using var scope = NewDisposeScope();
        var flow = new ContinuousFlow(Field(), new StandardGaussian(4), new CnfOptions { Solver = "euler", Steps = 2 });
        foreach (var bad in new[] { zeros(3, 5), zeros(4), zeros(2, 2, 2) })
        {
            var e = Assert.Throws<ArgumentException>(() => flow.Transport(bad));
            Assert.Contains("(batch, 4)", e.Message);
            Assert.Throws<ArgumentException>(() => flow.Sample(bad));
            Assert.Throws<ArgumentException>(() => flow.LogLikelihood(bad));
        }
        Assert.Throws<ArgumentException>(() => flow.Transport(zeros([3, 4], dtype: int64)));
        Assert.Throws<ArgumentOutOfRangeException>(() => flow.Solve(zeros(3, 4), 0, 1.5, withDivergence: false));
        Assert.Throws<ArgumentException>(() => new StandardGaussian(4).LogProb(zeros(3, 5)));
        Assert.Throws<ArgumentException>(() => new MeanFreeGaussian(3).LogProb(zeros(3, 8)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MeanFreeGaussian(1));
    }

    [Fact]
    public void A_field_and_prior_of_different_dimensions_are_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => new ContinuousFlow(Field(), new MeanFreeGaussian(2)));
        Assert.Contains("4", e.Message);
        Assert.Contains("6", e.Message);
    }

    [Theory]
    [InlineData("rk4", false)]
    [InlineData("rk4", true)]
    [InlineData("dopri5", true)]
    public void A_field_returning_the_wrong_shape_is_named(string solver, bool withDivergence)
    {
        using var scope = NewDisposeScope();
        var flow = new ContinuousFlow(new WrongShapeField(4), new StandardGaussian(4), new CnfOptions { Solver = solver });
        var e = Assert.Throws<InvalidOperationException>(() => flow.Solve(zeros(2, 4), 0, 1, withDivergence));
        Assert.Contains(nameof(WrongShapeField), e.Message);
    }

    [Fact]
    public void Dopri5_stops_with_a_clear_exception_when_its_step_budget_is_spent()
    {
        using var scope = NewDisposeScope();
        var field = new SpiralField(4, alpha: -0.5, omega: 6.0);
        var flow = new ContinuousFlow(field, new StandardGaussian(4), new CnfOptions { Atol = 1e-9, Rtol = 1e-9, MaxSteps = 3 });
        var e = Assert.Throws<OdeStepLimitException>(() => flow.Transport(randn(2, 4)));
        Assert.Contains("within 3 steps", e.Message);
        Assert.Contains("atol", e.Message);
    }

    [Fact]
    public void Dopri5_gives_up_on_a_field_that_blows_up()
    {
        // v = x² per coordinate from x0 = 2 explodes at t = 1/2: the solver must stop with a message, not loop or return inf.
        using var scope = NewDisposeScope();
        var flow = new ContinuousFlow(new BlowUpField(), new StandardGaussian(2), new CnfOptions { MaxSteps = 2000 });
        var e = Assert.Throws<OdeStepLimitException>(() => flow.Transport(full(1, 2, 2.0f)));
        Assert.Contains("dopri5", e.Message);
    }

    private sealed class BlowUpField : BoltzmannGen.Teacher.IVelocityField
    {
        public int Dimension => 2;
        public Tensor Velocity(Tensor x, Tensor t) => x.square();
    }
}
