namespace OpenMMSharp;

/// <summary>
/// OpenMM's System: particles with masses, and the forces acting on them. (Named OpenMMSystem rather than
/// System so that it does not shadow the .NET System namespace.)
/// </summary>
public sealed class OpenMMSystem : IDisposable
{
    internal OpenMMSystem(SystemHandle handle) => Handle = handle;

    public OpenMMSystem()
    {
        NativeMethods.Check(NativeMethods.omms_System_create(out IntPtr pointer));
        Handle = new SystemHandle(pointer);
    }

    internal SystemHandle Handle { get; }
    internal bool IsDisposed => Handle.IsClosed;

    public int NumParticles
    {
        get { NativeMethods.Check(NativeMethods.omms_System_getNumParticles(Handle, out int n)); return n; }
    }

    public int NumForces
    {
        get { NativeMethods.Check(NativeMethods.omms_System_getNumForces(Handle, out int n)); return n; }
    }

    public int AddParticle(double mass)
    {
        NativeMethods.Check(NativeMethods.omms_System_addParticle(Handle, mass, out int index));
        return index;
    }

    public double GetParticleMass(int index)
    {
        NativeMethods.Check(NativeMethods.omms_System_getParticleMass(Handle, index, out double mass));
        return mass;
    }

    /// <summary>Adds a force; the System takes ownership of it (as in OpenMM).</summary>
    public int AddForce(Force force)
    {
        int index;
        bool added = false;
        force.Handle.DangerousAddRef(ref added);
        try
        {
            NativeMethods.Check(NativeMethods.omms_System_addForce(Handle, force.Handle.DangerousGetHandle(), out index));
        }
        finally
        {
            if (added) force.Handle.DangerousRelease();
        }
        force.TransferOwnershipTo(this);
        return index;
    }

    /// <summary>The force at <paramref name="index"/>, as its concrete type where the bindings have one.</summary>
    public Force GetForce(int index)
    {
        NativeMethods.Check(NativeMethods.omms_System_getForce(Handle, index, out IntPtr pointer));
        return Force.Wrap(pointer, this);
    }

    public IEnumerable<Force> Forces => Enumerable.Range(0, NumForces).Select(GetForce);

    public void Dispose() => Handle.Dispose();
}
