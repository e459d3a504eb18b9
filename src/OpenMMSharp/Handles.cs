using Microsoft.Win32.SafeHandles;

namespace OpenMMSharp;

// One SafeHandle per owned native type: the finalizer-safe release path calls the matching omms_*_destroy.

internal sealed class SystemHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public SystemHandle() : base(true) { }
    public SystemHandle(IntPtr ptr) : base(true) => SetHandle(ptr);
    protected override bool ReleaseHandle() { NativeMethods.omms_System_destroy(handle); return true; }
}

internal sealed class IntegratorHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public IntegratorHandle() : base(true) { }
    public IntegratorHandle(IntPtr ptr) : base(true) => SetHandle(ptr);
    protected override bool ReleaseHandle() { NativeMethods.omms_Integrator_destroy(handle); return true; }
}

internal sealed class StateHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public StateHandle() : base(true) { }
    public StateHandle(IntPtr ptr) : base(true) => SetHandle(ptr);
    protected override bool ReleaseHandle() { NativeMethods.omms_State_destroy(handle); return true; }
}

/// <summary>
/// A Context refers to its System and Integrator without owning them; OpenMM requires both to outlive it.
/// The handle therefore holds a reference count on each and drops it only after the Context is destroyed,
/// so disposing a System before its Context can never leave a dangling pointer.
/// </summary>
internal sealed class ContextHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    private readonly SystemHandle? _system;
    private readonly IntegratorHandle? _integrator;

    public ContextHandle() : base(true) { }

    public ContextHandle(IntPtr ptr, SystemHandle system, IntegratorHandle integrator) : base(true)
    {
        bool systemAdded = false, integratorAdded = false;
        system.DangerousAddRef(ref systemAdded);
        integrator.DangerousAddRef(ref integratorAdded);
        _system = system;
        _integrator = integrator;
        SetHandle(ptr);
    }

    protected override bool ReleaseHandle()
    {
        NativeMethods.omms_Context_destroy(handle);
        _integrator?.DangerousRelease();
        _system?.DangerousRelease();
        return true;
    }
}

/// <summary>A force not yet added to a System is owned here; once added, the System owns it and this handle lets go.</summary>
internal sealed class ForceHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public ForceHandle(IntPtr ptr, bool owns) : base(owns) => SetHandle(ptr);
    protected override bool ReleaseHandle() { NativeMethods.omms_Force_destroy(handle); return true; }
}
