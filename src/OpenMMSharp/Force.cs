namespace OpenMMSharp;

/// <summary>
/// A force term of a System. A force created from C# is owned by this object until it is added to a System;
/// afterwards (and for forces read from a System) it is a view that is valid while that System lives.
/// </summary>
public class Force : IDisposable
{
    internal Force(IntPtr pointer, bool owns, OpenMMSystem? owner)
    {
        Handle = new ForceHandle(pointer, owns);
        Owner = owner;
    }

    internal ForceHandle Handle { get; private set; }
    internal OpenMMSystem? Owner { get; private set; }

    /// <summary>The OpenMM class name (e.g. "NonbondedForce", "GBSAOBCForce").</summary>
    public unsafe string TypeName
    {
        get
        {
            var p = Pointer;
            return NativeMethods.GetString((b, c, out n) => NativeMethods.omms_Force_getTypeName(p, b, c, out n));
        }
    }

    public int ForceGroup
    {
        get { NativeMethods.Check(NativeMethods.omms_Force_getForceGroup(Pointer, out int g)); return g; }
        set => NativeMethods.Check(NativeMethods.omms_Force_setForceGroup(Pointer, value));
    }

    /// <summary>The native pointer, after checking that whoever owns the force is still alive.</summary>
    internal IntPtr Pointer
    {
        get
        {
            if (Owner is { IsDisposed: true } || Handle.IsClosed)
                throw new ObjectDisposedException(GetType().Name, "the force (or the System that owns it) has been disposed");
            return Handle.DangerousGetHandle();
        }
    }

    internal void TransferOwnershipTo(OpenMMSystem system)
    {
        var pointer = Handle.DangerousGetHandle();
        Handle.SetHandleAsInvalid();
        Handle = new ForceHandle(pointer, owns: false);
        Owner = system;
    }

    internal static Force Wrap(IntPtr pointer, OpenMMSystem owner)
    {
        var probe = new Force(pointer, false, owner);
        return probe.TypeName switch
        {
            "HarmonicBondForce" => new HarmonicBondForce(pointer, owner),
            "CustomExternalForce" => new CustomExternalForce(pointer, owner),
            _ => probe,
        };
    }

    public void Dispose()
    {
        Handle.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>Harmonic bonds E = ½ k (r − r0)², lengths in nm, k in kJ/mol/nm².</summary>
public sealed class HarmonicBondForce : Force
{
    internal HarmonicBondForce(IntPtr pointer, OpenMMSystem owner) : base(pointer, false, owner) { }

    public HarmonicBondForce() : base(Create(), true, null) { }

    private static IntPtr Create()
    {
        NativeMethods.Check(NativeMethods.omms_HarmonicBondForce_create(out IntPtr pointer));
        return pointer;
    }

    public int NumBonds
    {
        get { NativeMethods.Check(NativeMethods.omms_HarmonicBondForce_getNumBonds(Pointer, out int n)); return n; }
    }

    public int AddBond(int particle1, int particle2, double length, double k)
    {
        NativeMethods.Check(NativeMethods.omms_HarmonicBondForce_addBond(Pointer, particle1, particle2, length, k, out int index));
        return index;
    }

    public (int Particle1, int Particle2, double Length, double K) GetBondParameters(int index)
    {
        NativeMethods.Check(NativeMethods.omms_HarmonicBondForce_getBondParameters(Pointer, index, out int p1, out int p2, out double length, out double k));
        return (p1, p2, length, k);
    }
}

/// <summary>A per-particle potential given as an algebraic expression of x, y, z (OpenMM's Lepton syntax).</summary>
public sealed class CustomExternalForce : Force
{
    internal CustomExternalForce(IntPtr pointer, OpenMMSystem owner) : base(pointer, false, owner) { }

    /// <param name="energy">e.g. "0.5*k*(x^2+y^2+z^2)"</param>
    public CustomExternalForce(string energy) : base(Create(energy), true, null) { }

    private static IntPtr Create(string energy)
    {
        NativeMethods.Check(NativeMethods.omms_CustomExternalForce_create(energy, out IntPtr pointer));
        return pointer;
    }

    public int AddGlobalParameter(string name, double defaultValue)
    {
        NativeMethods.Check(NativeMethods.omms_CustomExternalForce_addGlobalParameter(Pointer, name, defaultValue, out int index));
        return index;
    }

    public int AddPerParticleParameter(string name)
    {
        NativeMethods.Check(NativeMethods.omms_CustomExternalForce_addPerParticleParameter(Pointer, name, out int index));
        return index;
    }

    public unsafe int AddParticle(int particle, ReadOnlySpan<double> parameters = default)
    {
        fixed (double* p = parameters)
        {
            NativeMethods.Check(NativeMethods.omms_CustomExternalForce_addParticle(Pointer, particle, p, parameters.Length, out int index));
            return index;
        }
    }
}
