namespace OpenMMSharp;

/// <summary>An OpenMM integrator. One integrator belongs to at most one Context.</summary>
public abstract class Integrator : IDisposable
{
    private protected Integrator(IntPtr pointer) => Handle = new IntegratorHandle(pointer);

    internal IntegratorHandle Handle { get; }

    /// <summary>Time step in ps.</summary>
    public double StepSize
    {
        get { NativeMethods.Check(NativeMethods.omms_Integrator_getStepSize(Handle, out double dt)); return dt; }
    }

    /// <summary>Advances the Context this integrator is bound to by <paramref name="steps"/> steps.</summary>
    public void Step(int steps) => NativeMethods.Check(NativeMethods.omms_Integrator_step(Handle, steps));

    public void Dispose()
    {
        Handle.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>Langevin dynamics with the LFMiddle discretisation (OpenMM's LangevinMiddleIntegrator).</summary>
public sealed class LangevinMiddleIntegrator : Integrator
{
    /// <param name="temperature">K</param>
    /// <param name="friction">1/ps</param>
    /// <param name="stepSize">ps</param>
    public LangevinMiddleIntegrator(double temperature, double friction, double stepSize)
        : base(Create(temperature, friction, stepSize)) { }

    private static IntPtr Create(double temperature, double friction, double stepSize)
    {
        NativeMethods.Check(NativeMethods.omms_LangevinMiddleIntegrator_create(temperature, friction, stepSize, out IntPtr pointer));
        return pointer;
    }

    /// <summary>Seed of the integrator's random stream; must be set before the Context is created.</summary>
    public void SetRandomNumberSeed(int seed) =>
        NativeMethods.Check(NativeMethods.omms_LangevinMiddleIntegrator_setRandomNumberSeed(Handle, seed));

    public void SetTemperature(double temperature) =>
        NativeMethods.Check(NativeMethods.omms_LangevinMiddleIntegrator_setTemperature(Handle, temperature));
}

/// <summary>Velocity Verlet (energy-conserving; used for tests and minimisation contexts).</summary>
public sealed class VerletIntegrator : Integrator
{
    public VerletIntegrator(double stepSize) : base(Create(stepSize)) { }

    private static IntPtr Create(double stepSize)
    {
        NativeMethods.Check(NativeMethods.omms_VerletIntegrator_create(stepSize, out IntPtr pointer));
        return pointer;
    }
}
