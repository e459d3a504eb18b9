namespace OpenMMSharp;

/// <summary>
/// BoltzmannGen's own Langevin stepper, not an OpenMM API: the LFMiddle splitting of OpenMM's
/// LangevinMiddleIntegrator, stepped by our native code (bgen_langevin_middle_steps in native/bgen_langevin.cpp)
/// with a random generator owned by the caller. A <see cref="Context"/> only evaluates the forces; its own
/// integrator is never stepped. Why: OpenMM's Reference integrators share one process-wide generator, so parallel
/// replicas would be neither reproducible nor independent (docs/design.md §8.1).
/// </summary>
public static class LangevinMiddleStepper
{
    /// <summary>
    /// Advances <paramref name="steps"/> steps on positions <paramref name="x"/> and velocities <paramref name="v"/>
    /// (nm, nm/ps; [atom, xyz]), which are updated in place. The random stream is <paramref name="rng"/>, a
    /// xoshiro256** state (four words, as <c>BoltzmannGen.Numerics.Xoshiro256.State</c>) updated in place.
    /// Returns the potential energy at the final positions (kJ/mol).
    /// </summary>
    /// <param name="context">evaluates the forces; its positions are left at the final <paramref name="x"/></param>
    /// <param name="kT">k_B·T, kJ/mol</param>
    /// <param name="friction">1/ps</param>
    /// <param name="stepSize">ps</param>
    /// <param name="masses">amu, one per particle</param>
    /// <param name="removeCentreOfMassMotion">subtract the centre-of-mass velocity after each step (CMMotionRemover)</param>
    public static unsafe double Step(Context context, int steps, double kT, double friction, double stepSize,
                                     ReadOnlySpan<double> masses, Span<double> x, Span<double> v, Span<ulong> rng,
                                     bool removeCentreOfMassMotion)
    {
        context.CheckLength(x.Length, "positions");
        context.CheckLength(v.Length, "velocities");
        if (masses.Length != context.NumParticles) throw new OpenMMException($"masses: expected {context.NumParticles}, got {masses.Length}");
        if (rng.Length != 4) throw new OpenMMException("rng state must be 4 words");
        fixed (double* m = masses)
        fixed (double* px = x)
        fixed (double* pv = v)
        fixed (ulong* r = rng)
        {
            NativeMethods.Check(NativeMethods.bgen_langevin_middle_steps(context.Handle, steps, kT, friction, stepSize, m,
                context.NumParticles, px, pv, r, removeCentreOfMassMotion ? 1 : 0, out double energy));
            return energy;
        }
    }
}
