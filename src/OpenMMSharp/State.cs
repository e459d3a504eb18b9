namespace OpenMMSharp;

/// <summary>A snapshot of a Context: time, energies, and (as requested) positions, velocities, forces.</summary>
public sealed class State : IDisposable
{
    internal State(StateHandle handle, int numParticles)
    {
        Handle = handle;
        NumParticles = numParticles;
    }

    internal StateHandle Handle { get; }
    public int NumParticles { get; }

    /// <summary>ps</summary>
    public double Time
    {
        get { NativeMethods.Check(NativeMethods.omms_State_getTime(Handle, out double t)); return t; }
    }

    /// <summary>kJ/mol (requires <see cref="StateDataTypes.Energy"/>).</summary>
    public double PotentialEnergy
    {
        get { NativeMethods.Check(NativeMethods.omms_State_getPotentialEnergy(Handle, out double e)); return e; }
    }

    /// <summary>kJ/mol (requires <see cref="StateDataTypes.Energy"/>).</summary>
    public double KineticEnergy
    {
        get { NativeMethods.Check(NativeMethods.omms_State_getKineticEnergy(Handle, out double e)); return e; }
    }

    /// <summary>nm, flattened [atom, xyz].</summary>
    public unsafe double[] GetPositions()
    {
        var xyz = new double[3 * NumParticles];
        fixed (double* p = xyz) NativeMethods.Check(NativeMethods.omms_State_getPositions(Handle, p, NumParticles));
        return xyz;
    }

    /// <summary>nm/ps, flattened [atom, xyz].</summary>
    public unsafe double[] GetVelocities()
    {
        var xyz = new double[3 * NumParticles];
        fixed (double* p = xyz) NativeMethods.Check(NativeMethods.omms_State_getVelocities(Handle, p, NumParticles));
        return xyz;
    }

    /// <summary>kJ/mol/nm, flattened [atom, xyz].</summary>
    public unsafe double[] GetForces()
    {
        var xyz = new double[3 * NumParticles];
        fixed (double* p = xyz) NativeMethods.Check(NativeMethods.omms_State_getForces(Handle, p, NumParticles));
        return xyz;
    }

    public void Dispose() => Handle.Dispose();
}
