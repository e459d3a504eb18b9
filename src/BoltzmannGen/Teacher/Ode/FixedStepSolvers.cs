using static TorchSharp.torch;

namespace BoltzmannGen.Teacher.Ode;

/// <summary>
/// Explicit Runge–Kutta methods with N equal steps. Their cost is known in advance (N × stages field
/// evaluations), which is what reflow target generation over millions of pairs needs; their error is not
/// controlled, so accuracy has to be checked against dopri5 or by halving the step.
/// </summary>
public abstract class FixedStepSolver : IOdeSolver
{
    protected FixedStepSolver(int steps)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), steps, "the number of steps must be positive");
        Steps = steps;
    }

    public abstract string Name { get; }

    /// <summary>Number of equal steps over the interval.</summary>
    public int Steps { get; }

    /// <summary>Right-hand-side evaluations per step.</summary>
    public abstract int Stages { get; }

    /// <summary>One step of size h (negative backwards) from (t, y); allocates in the current dispose scope.</summary>
    protected abstract Tensor[] Step(OdeRightHandSide f, double t, double h, Tensor[] y);

    public OdeSolution Integrate(OdeRightHandSide f, Tensor[] y0, double t0, double t1)
    {
        OdeState.Validate(y0, t0, t1);
        using var noGrad = no_grad();
        using var loopScope = NewDisposeScope();
        var y = y0;
        double h = (t1 - t0) / Steps;
        for (int n = 0; n < Steps; n++)
        {
            // t from the step index, not by accumulation, so that the last step ends exactly at t1.
            double t = t0 + (t1 - t0) * n / Steps;
            Tensor[] next;
            using (var stepScope = NewDisposeScope())
            {
                next = Step(f, t, h, y);
                stepScope.MoveToOuter(next);
            }
            if (!ReferenceEquals(y, y0)) OdeState.Dispose(y);
            y = next;
        }
        if (ReferenceEquals(y, y0)) y = y0.Select(t => t.clone()).ToArray();
        loopScope.MoveToOuter(y);
        return new OdeSolution(y, Steps, 0, Steps * Stages);
    }
}

/// <summary>Forward Euler: first order, one evaluation per step. A baseline and a cheap smoke test, rarely accurate enough.</summary>
public sealed class EulerSolver(int steps) : FixedStepSolver(steps)
{
    public override string Name => "euler";
    public override int Stages => 1;

    protected override Tensor[] Step(OdeRightHandSide f, double t, double h, Tensor[] y)
    {
        var k1 = OdeState.Evaluate(f, t, y);
        return OdeState.Combine(y, h, [1.0], k1);
    }
}

/// <summary>Explicit midpoint rule: second order, two evaluations per step.</summary>
public sealed class MidpointSolver(int steps) : FixedStepSolver(steps)
{
    public override string Name => "midpoint";
    public override int Stages => 2;

    protected override Tensor[] Step(OdeRightHandSide f, double t, double h, Tensor[] y)
    {
        var k1 = OdeState.Evaluate(f, t, y);
        var yMid = OdeState.Combine(y, h, [0.5], k1);
        var k2 = OdeState.Evaluate(f, t + 0.5 * h, yMid);
        return OdeState.Combine(y, h, [0.0, 1.0], k1, k2);
    }
}

/// <summary>Classical fourth-order Runge–Kutta: four evaluations per step; the usual fixed-step choice for smooth learned fields.</summary>
public sealed class Rk4Solver(int steps) : FixedStepSolver(steps)
{
    public override string Name => "rk4";
    public override int Stages => 4;

    protected override Tensor[] Step(OdeRightHandSide f, double t, double h, Tensor[] y)
    {
        var k1 = OdeState.Evaluate(f, t, y);
        var k2 = OdeState.Evaluate(f, t + 0.5 * h, OdeState.Combine(y, h, [0.5], k1));
        var k3 = OdeState.Evaluate(f, t + 0.5 * h, OdeState.Combine(y, h, [0.0, 0.5], k1, k2));
        var k4 = OdeState.Evaluate(f, t + h, OdeState.Combine(y, h, [0.0, 0.0, 1.0], k1, k2, k3));
        return OdeState.Combine(y, h, [1.0 / 6, 1.0 / 3, 1.0 / 3, 1.0 / 6], k1, k2, k3, k4);
    }
}
