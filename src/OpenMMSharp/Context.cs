using System.Runtime.InteropServices;

namespace OpenMMSharp;

/// <summary>What <see cref="Context.GetState"/> should compute (OpenMM's State::DataType).</summary>
[Flags]
public enum StateDataTypes
{
    Positions = 1,
    Velocities = 2,
    Forces = 4,
    Energy = 8,
    Parameters = 16,
}

/// <summary>
/// A System bound to an Integrator on a Platform, holding the current positions and velocities.
/// Not thread-safe: use one Context per thread (create it on the thread that uses it).
/// </summary>
public sealed class Context : IDisposable
{
    public Context(OpenMMSystem system, Integrator integrator, Platform? platform = null,
                   IReadOnlyDictionary<string, string>? properties = null)
    {
        platform ??= Platform.GetPlatformByName("Reference");
        properties ??= new Dictionary<string, string>();
        var keys = properties.Keys.Select(k => Marshal.StringToCoTaskMemUTF8(k)).ToArray();
        var values = properties.Values.Select(v => Marshal.StringToCoTaskMemUTF8(v)).ToArray();
        try
        {
            NativeMethods.Check(NativeMethods.omms_Context_create(system.Handle, integrator.Handle, platform.Pointer,
                keys, values, keys.Length, out IntPtr pointer));
            Handle = new ContextHandle(pointer, system.Handle, integrator.Handle);
        }
        finally
        {
            foreach (var p in keys.Concat(values)) Marshal.FreeCoTaskMem(p);
        }
        NumParticles = system.NumParticles;
    }

    internal ContextHandle Handle { get; }

    /// <summary>Number of particles of the System this Context was made for.</summary>
    public int NumParticles { get; }

    public unsafe string PlatformName =>
        NativeMethods.GetString((b, c, out n) => NativeMethods.omms_Context_getPlatformName(Handle, b, c, out n));

    /// <summary>Sets positions (nm), flattened [atom, xyz]; the length must be 3 × NumParticles.</summary>
    public unsafe void SetPositions(ReadOnlySpan<double> xyz)
    {
        CheckLength(xyz.Length, "positions");
        fixed (double* p = xyz) NativeMethods.Check(NativeMethods.omms_Context_setPositions(Handle, p, xyz.Length / 3));
    }

    /// <summary>Sets velocities (nm/ps), flattened [atom, xyz].</summary>
    public unsafe void SetVelocities(ReadOnlySpan<double> xyz)
    {
        CheckLength(xyz.Length, "velocities");
        fixed (double* p = xyz) NativeMethods.Check(NativeMethods.omms_Context_setVelocities(Handle, p, xyz.Length / 3));
    }

    public void SetVelocitiesToTemperature(double temperature, int seed) =>
        NativeMethods.Check(NativeMethods.omms_Context_setVelocitiesToTemperature(Handle, temperature, seed));

    public void SetTime(double time) => NativeMethods.Check(NativeMethods.omms_Context_setTime(Handle, time));

    public long StepCount
    {
        get { NativeMethods.Check(NativeMethods.omms_Context_getStepCount(Handle, out long n)); return n; }
        set => NativeMethods.Check(NativeMethods.omms_Context_setStepCount(Handle, value));
    }

    public State GetState(StateDataTypes types)
    {
        NativeMethods.Check(NativeMethods.omms_Context_getState(Handle, (int)types, out IntPtr pointer));
        return new State(new StateHandle(pointer), NumParticles);
    }

    /// <summary>OpenMM's opaque binary checkpoint (positions, velocities, step, time, integrator RNG state).</summary>
    public byte[] CreateCheckpoint()
    {
        NativeMethods.Check(NativeMethods.omms_Context_createCheckpoint(Handle, out IntPtr data, out int length));
        return NativeMethods.TakeBytes(data, length);
    }

    public unsafe void LoadCheckpoint(ReadOnlySpan<byte> checkpoint)
    {
        fixed (byte* p = checkpoint) NativeMethods.Check(NativeMethods.omms_Context_loadCheckpoint(Handle, p, checkpoint.Length));
    }

    /// <summary>
    /// Potential energies (kJ/mol) and optionally forces (kJ/mol/nm) of <paramref name="batch"/> configurations in one
    /// native call. <paramref name="positions"/> is [batch, atom, xyz] in nm. Leaves the last configuration's positions set.
    /// </summary>
    public unsafe void EvaluateBatch(ReadOnlySpan<double> positions, int batch, Span<double> energies, Span<double> forces = default)
    {
        int perFrame = 3 * NumParticles;
        if (positions.Length != batch * perFrame)
            throw new OpenMMException($"batch of {batch} configurations of {NumParticles} particles needs {batch * perFrame} coordinates, got {positions.Length}");
        if (energies.Length < batch) throw new ArgumentException($"energies has room for {energies.Length} of {batch} values", nameof(energies));
        bool withForces = !forces.IsEmpty;
        if (withForces && forces.Length < batch * perFrame) throw new ArgumentException("forces buffer too small", nameof(forces));
        fixed (double* p = positions)
        fixed (double* e = energies)
        fixed (double* f = forces)
        {
            int status = NativeMethods.omms_Context_evaluateBatch(Handle, batch, NumParticles, p, e, withForces ? f : null, out int failed);
            if (status != 0) throw new OpenMMException($"configuration {failed} of the batch: {NativeMethods.LastError()}");
        }
    }

    internal void CheckLength(int length, string what)
    {
        if (length != 3 * NumParticles)
            throw new OpenMMException($"{what}: expected {NumParticles} particles ({3 * NumParticles} values), got {length} values");
    }

    public void Dispose() => Handle.Dispose();
}
