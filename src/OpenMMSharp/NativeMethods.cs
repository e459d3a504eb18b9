using System.Runtime.InteropServices;

namespace OpenMMSharp;

/// <summary>
/// P/Invoke declarations for the C++ shim: OpenMM's API (omms_*, native/openmmsharp.cpp) and our own Langevin
/// stepper (bgen_*, native/bgen_langevin.cpp), one library. Every call returns a status
/// (0 = success); <see cref="Check"/> turns a failure into an <see cref="OpenMMException"/> carrying OpenMM's message.
/// </summary>
internal static partial class NativeMethods
{
    private const string Lib = "openmmsharp";

    internal static void Check(int status)
    {
        if (status != 0) throw new OpenMMException(LastError());
    }

    internal static string LastError() => Marshal.PtrToStringUTF8(omms_last_error()) ?? "unknown OpenMM error";

    /// <summary>Reads a string through the shim's (buffer, capacity, needed) convention, retrying with a larger buffer.</summary>
    internal unsafe delegate int StringGetter(byte* buffer, int capacity, out int needed);

    internal static unsafe string GetString(StringGetter getter)
    {
        Span<byte> small = stackalloc byte[256];
        fixed (byte* p = small)
        {
            Check(getter(p, small.Length, out int needed));
            if (needed <= small.Length) return System.Text.Encoding.UTF8.GetString(small[..(needed - 1)]);
            var large = new byte[needed];
            fixed (byte* q = large)
            {
                Check(getter(q, large.Length, out _));
                return System.Text.Encoding.UTF8.GetString(large, 0, needed - 1);
            }
        }
    }

    /// <summary>Copies and frees a string the shim allocated with omms_string_alloc.</summary>
    internal static string TakeString(IntPtr s, int length)
    {
        try { return Marshal.PtrToStringUTF8(s, length); }
        finally { omms_string_free(s); }
    }

    internal static byte[] TakeBytes(IntPtr s, int length)
    {
        try
        {
            var bytes = new byte[length];
            Marshal.Copy(s, bytes, 0, length);
            return bytes;
        }
        finally { omms_string_free(s); }
    }

    [LibraryImport(Lib)] internal static partial IntPtr omms_last_error();
    [LibraryImport(Lib)] internal static partial void omms_string_free(IntPtr s);

    // Platform
    [LibraryImport(Lib)] internal static unsafe partial int omms_Platform_getOpenMMVersion(byte* buffer, int capacity, out int needed);
    [LibraryImport(Lib)] internal static unsafe partial int omms_Platform_getDefaultPluginsDirectory(byte* buffer, int capacity, out int needed);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial int omms_Platform_loadPluginsFromDirectory(string directory, out IntPtr failures, out int length);
    [LibraryImport(Lib)] internal static partial int omms_Platform_getNumPlatforms(out int count);
    [LibraryImport(Lib)] internal static unsafe partial int omms_Platform_getName(int index, byte* buffer, int capacity, out int needed);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial int omms_Platform_getPlatformByName(string name, out IntPtr platform);

    // System
    [LibraryImport(Lib)] internal static partial int omms_System_create(out IntPtr system);
    [LibraryImport(Lib)] internal static partial void omms_System_destroy(IntPtr system);
    [LibraryImport(Lib)] internal static partial int omms_System_addParticle(SystemHandle system, double mass, out int index);
    [LibraryImport(Lib)] internal static partial int omms_System_getNumParticles(SystemHandle system, out int count);
    [LibraryImport(Lib)] internal static partial int omms_System_getParticleMass(SystemHandle system, int index, out double mass);
    [LibraryImport(Lib)] internal static partial int omms_System_getNumForces(SystemHandle system, out int count);
    [LibraryImport(Lib)] internal static partial int omms_System_addForce(SystemHandle system, IntPtr force, out int index);
    [LibraryImport(Lib)] internal static partial int omms_System_getForce(SystemHandle system, int index, out IntPtr force);

    // Forces (non-owning IntPtr: a force belongs to its System once added)
    [LibraryImport(Lib)] internal static partial void omms_Force_destroy(IntPtr force);
    [LibraryImport(Lib)] internal static unsafe partial int omms_Force_getTypeName(IntPtr force, byte* buffer, int capacity, out int needed);
    [LibraryImport(Lib)] internal static partial int omms_Force_getForceGroup(IntPtr force, out int group);
    [LibraryImport(Lib)] internal static partial int omms_Force_setForceGroup(IntPtr force, int group);
    [LibraryImport(Lib)] internal static partial int omms_HarmonicBondForce_create(out IntPtr force);
    [LibraryImport(Lib)] internal static partial int omms_HarmonicBondForce_addBond(IntPtr force, int p1, int p2, double length, double k, out int index);
    [LibraryImport(Lib)] internal static partial int omms_HarmonicBondForce_getNumBonds(IntPtr force, out int count);
    [LibraryImport(Lib)] internal static partial int omms_HarmonicBondForce_getBondParameters(IntPtr force, int index, out int p1, out int p2, out double length, out double k);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial int omms_CustomExternalForce_create(string energy, out IntPtr force);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial int omms_CustomExternalForce_addGlobalParameter(IntPtr force, string name, double value, out int index);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial int omms_CustomExternalForce_addPerParticleParameter(IntPtr force, string name, out int index);
    [LibraryImport(Lib)] internal static unsafe partial int omms_CustomExternalForce_addParticle(IntPtr force, int particle, double* parameters, int count, out int index);

    // XmlSerializer
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] internal static partial int omms_XmlSerializer_deserializeSystem(string xml, out IntPtr system);
    [LibraryImport(Lib)] internal static partial int omms_XmlSerializer_serializeSystem(SystemHandle system, out IntPtr xml, out int length);

    // Integrators
    [LibraryImport(Lib)] internal static partial int omms_LangevinMiddleIntegrator_create(double temperature, double friction, double stepSize, out IntPtr integrator);
    [LibraryImport(Lib)] internal static partial int omms_LangevinMiddleIntegrator_setRandomNumberSeed(IntegratorHandle integrator, int seed);
    [LibraryImport(Lib)] internal static partial int omms_LangevinMiddleIntegrator_setTemperature(IntegratorHandle integrator, double temperature);
    [LibraryImport(Lib)] internal static partial int omms_VerletIntegrator_create(double stepSize, out IntPtr integrator);
    [LibraryImport(Lib)] internal static partial void omms_Integrator_destroy(IntPtr integrator);
    [LibraryImport(Lib)] internal static partial int omms_Integrator_step(IntegratorHandle integrator, int steps);
    [LibraryImport(Lib)] internal static partial int omms_Integrator_getStepSize(IntegratorHandle integrator, out double stepSize);

    // Context
    [LibraryImport(Lib)] internal static partial int omms_Context_create(SystemHandle system, IntegratorHandle integrator, IntPtr platform, IntPtr[] keys, IntPtr[] values, int count, out IntPtr context);
    [LibraryImport(Lib)] internal static partial void omms_Context_destroy(IntPtr context);
    [LibraryImport(Lib)] internal static unsafe partial int omms_Context_getPlatformName(ContextHandle context, byte* buffer, int capacity, out int needed);
    [LibraryImport(Lib)] internal static unsafe partial int omms_Context_setPositions(ContextHandle context, double* xyz, int count);
    [LibraryImport(Lib)] internal static unsafe partial int omms_Context_setVelocities(ContextHandle context, double* xyz, int count);
    [LibraryImport(Lib)] internal static partial int omms_Context_setVelocitiesToTemperature(ContextHandle context, double temperature, int seed);
    [LibraryImport(Lib)] internal static partial int omms_Context_setTime(ContextHandle context, double time);
    [LibraryImport(Lib)] internal static partial int omms_Context_getStepCount(ContextHandle context, out long count);
    [LibraryImport(Lib)] internal static partial int omms_Context_setStepCount(ContextHandle context, long count);
    [LibraryImport(Lib)] internal static partial int omms_Context_getState(ContextHandle context, int types, out IntPtr state);
    [LibraryImport(Lib)] internal static partial int omms_Context_createCheckpoint(ContextHandle context, out IntPtr data, out int length);
    [LibraryImport(Lib)] internal static unsafe partial int omms_Context_loadCheckpoint(ContextHandle context, byte* data, int length);
    [LibraryImport(Lib)] internal static partial int omms_LocalEnergyMinimizer_minimize(ContextHandle context, double tolerance, int maxIterations);
    [LibraryImport(Lib)] internal static unsafe partial int omms_Context_evaluateBatch(ContextHandle context, int batch, int count, double* positions, double* energies, double* forces, out int failedIndex);

    // State
    [LibraryImport(Lib)] internal static partial void omms_State_destroy(IntPtr state);
    [LibraryImport(Lib)] internal static partial int omms_State_getTime(StateHandle state, out double time);
    [LibraryImport(Lib)] internal static partial int omms_State_getPotentialEnergy(StateHandle state, out double energy);
    [LibraryImport(Lib)] internal static partial int omms_State_getKineticEnergy(StateHandle state, out double energy);
    [LibraryImport(Lib)] internal static unsafe partial int omms_State_getPositions(StateHandle state, double* xyz, int count);
    [LibraryImport(Lib)] internal static unsafe partial int omms_State_getVelocities(StateHandle state, double* xyz, int count);
    [LibraryImport(Lib)] internal static unsafe partial int omms_State_getForces(StateHandle state, double* xyz, int count);

    // Ours, not OpenMM's (native/bgen_langevin.cpp): BoltzmannGen's Langevin stepper and its generator
    [LibraryImport(Lib)] internal static unsafe partial int bgen_langevin_middle_steps(ContextHandle context, int steps, double kT, double friction, double dt, double* mass, int count, double* x, double* v, ulong* rng, int removeCom, out double potentialEnergy);
    [LibraryImport(Lib)] internal static unsafe partial int bgen_xoshiro256_next(ulong* state, ulong* output, int count);
    [LibraryImport(Lib)] internal static unsafe partial int bgen_xoshiro256_gaussians(ulong* state, double* output, int count);
}
