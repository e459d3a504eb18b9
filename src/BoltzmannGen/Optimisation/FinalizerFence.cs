using System.Runtime;

namespace BoltzmannGen.Optimisation;

/// <summary>
/// Keeps the GC's finaliser thread away from libtorch while a training step runs. TorchSharp 0.107 turns every
/// double in a tensor expression (x.pow(2), t * 0.5, AdamW's own arithmetic) into a native Scalar that only the
/// GC frees; a Scalar is unreachable as soon as its handle is passed to native code, so a collection during the
/// call can free it while libtorch reads it ("Expected false to be true … Scalar.h"). Inside a fence no collection
/// happens (a no-GC region with room for a step's managed allocations), and the finalisers of earlier
/// collections have run before it starts, so nothing is freed behind libtorch's back.
/// </summary>
public readonly struct FinalizerFence : IDisposable
{
    /// <summary>Managed allocations a step may make before the runtime collects anyway (then the fence is lost for that step).</summary>
    public const long Budget = 64L << 20;

    private readonly bool _active;

    private FinalizerFence(bool active) => _active = active;

    public static FinalizerFence Enter()
    {
        bool active;
        try { active = GC.TryStartNoGCRegion(Budget); }
        catch (InvalidOperationException) { active = false; } // already inside one (a nested fence)
        // The region may have started with a collection: run what it queued now, while no native call is in flight.
        GC.WaitForPendingFinalizers();
        return new FinalizerFence(active);
    }

    public void Dispose()
    {
        // A step that allocated more than the budget ended the region with a collection of its own. The region is
        // process-wide, so another thread's allocations can end it between the check and the call: then there is
        // nothing left to end.
        if (!_active || GCSettings.LatencyMode != GCLatencyMode.NoGCRegion) return;
        try { GC.EndNoGCRegion(); }
        catch (InvalidOperationException) { }
    }
}
