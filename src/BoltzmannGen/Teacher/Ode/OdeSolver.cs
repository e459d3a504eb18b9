using static TorchSharp.torch;

namespace BoltzmannGen.Teacher.Ode;

/// <summary>
/// dy/dt = f(t, y) for a state made of several tensors (e.g. positions in float32 and an accumulated divergence
/// in float64), so that the divergence integral is advanced by the same stages as x and the likelihood is exact
/// for the discretised trajectory rather than a separate quadrature. Must return new tensors of the state's shapes.
/// </summary>
public delegate Tensor[] OdeRightHandSide(double t, Tensor[] state);

/// <summary>
/// The end state of one solve and what it cost. Evaluations count calls of the right-hand side, which is what
/// dominates the cost of a neural field (and what benchmarks compare between solvers).
/// </summary>
public sealed record OdeSolution(Tensor[] State, int Steps, int RejectedSteps, int Evaluations);

/// <summary>An ODE solver over a fixed interval [t0, t1]; t1 &lt; t0 integrates backwards in time.</summary>
public interface IOdeSolver
{
    /// <summary>The name used in options and logs (euler, midpoint, rk4, dopri5).</summary>
    string Name { get; }

    /// <summary>
    /// Integrates from (t0, y0) to t1. The state is handled without autograd (no graph is built across steps, so
    /// memory does not grow with the number of steps); <paramref name="y0"/> is neither modified nor disposed, and
    /// the returned tensors belong to the caller's dispose scope.
    /// </summary>
    OdeSolution Integrate(OdeRightHandSide f, Tensor[] y0, double t0, double t1);
}

/// <summary>Thrown when an adaptive solver cannot reach the end of the interval within its step budget.</summary>
public sealed class OdeStepLimitException : InvalidOperationException
{
    public OdeStepLimitException(string message) : base(message) { }
}

/// <summary>Creates solvers from the names used in options and on the command line.</summary>
public static class OdeSolvers
{
    /// <summary>Valid solver names, in order of increasing cost per step.</summary>
    public static readonly IReadOnlyList<string> Names = ["euler", "midpoint", "rk4", "dopri5"];

    /// <summary>
    /// A solver by name (case-insensitive). <paramref name="steps"/> is used by the fixed-step methods,
    /// <paramref name="atol"/>, <paramref name="rtol"/> and <paramref name="maxSteps"/> by dopri5.
    /// </summary>
    public static IOdeSolver Create(string name, int steps = 20, double atol = 1e-5, double rtol = 1e-5, int maxSteps = 10_000) =>
        Normalise(name) switch
        {
            "euler" => new EulerSolver(steps),
            "midpoint" => new MidpointSolver(steps),
            "rk4" => new Rk4Solver(steps),
            _ => new DormandPrince5Solver(atol, rtol, maxSteps),
        };

    /// <summary>The canonical lower-case name, or an ArgumentException listing the valid names.</summary>
    public static string Normalise(string name)
    {
        var n = (name ?? "").Trim().ToLowerInvariant();
        if (!Names.Contains(n))
            throw new ArgumentException($"unknown ODE solver '{name}'; valid solvers: {string.Join(", ", Names)}", nameof(name));
        return n;
    }
}

/// <summary>
/// Tensor-list arithmetic for Runge–Kutta stages. Every call allocates new tensors in the current dispose scope;
/// the solvers open one scope per step so that stage intermediates are freed as soon as the step is done.
/// </summary>
internal static class OdeState
{
    /// <summary>y + h·Σ_j c_j k_j (terms with c_j = 0 are skipped; the result never aliases y).</summary>
    public static Tensor[] Combine(Tensor[] y, double h, ReadOnlySpan<double> c, params Tensor[][] k)
    {
        var result = new Tensor[y.Length];
        for (int i = 0; i < y.Length; i++)
        {
            Tensor? acc = null;
            for (int j = 0; j < c.Length; j++)
            {
                if (c[j] == 0) continue;
                acc = (acc ?? y[i]).add(k[j][i], alpha: h * c[j]);
            }
            result[i] = acc ?? y[i].clone();
        }
        return result;
    }

    /// <summary>Checks what a right-hand side returned, so that a wrong field fails at the first step with a clear message.</summary>
    public static Tensor[] Evaluate(OdeRightHandSide f, double t, Tensor[] y)
    {
        var k = f(t, y);
        if (k.Length != y.Length)
            throw new InvalidOperationException($"the ODE right-hand side returned {k.Length} tensors for a state of {y.Length}");
        for (int i = 0; i < y.Length; i++)
            if (!k[i].shape.SequenceEqual(y[i].shape))
                throw new InvalidOperationException(
                    $"the ODE right-hand side returned shape ({string.Join(", ", k[i].shape)}) for state component {i} of shape ({string.Join(", ", y[i].shape)})");
        return k;
    }

    public static void Dispose(Tensor[] tensors)
    {
        foreach (var t in tensors) t.Dispose();
    }

    public static void Validate(Tensor[] y0, double t0, double t1)
    {
        if (y0 is null || y0.Length == 0) throw new ArgumentException("the ODE state needs at least one tensor", nameof(y0));
        if (!double.IsFinite(t0) || !double.IsFinite(t1))
            throw new ArgumentException($"the time interval must be finite, got [{t0}, {t1}]");
    }
}
