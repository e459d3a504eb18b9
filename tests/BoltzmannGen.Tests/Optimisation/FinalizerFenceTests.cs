using System.Runtime;
using BoltzmannGen.Optimisation;

namespace BoltzmannGen.Tests.Optimisation;

/// <summary>
/// What the fence promises a training step: no collection (so no new finalisers) while it is held, finalisers of
/// earlier garbage already run when it is entered, and the GC back to normal afterwards. Runs alone (the
/// "memory" collection), because other tests' allocations would count against the fence's budget.
/// </summary>
[Collection("memory")]
public class FinalizerFenceTests
{
    private sealed class Counted(Action onFinalise)
    {
        ~Counted() => onFinalise();
    }

    private const int Garbage = 2_000_000; // 48 MB: here a collection comes after ~700,000 such objects

    private static int _finalised;

    private static void MakeGarbage(int count)
    {
        for (int i = 0; i < count; i++) _ = new Counted(() => Interlocked.Increment(ref _finalised));
    }

    [Fact]
    public void NoCollectionInsideAndEarlierGarbageIsFinalisedOnEntry()
    {
        MakeGarbage(1000);
        GC.Collect(); // queues the 1000 finalisers; the fence must have run them before it returns
        using (FinalizerFence.Enter())
        {
            Assert.True(Volatile.Read(ref _finalised) >= 1000, $"{_finalised} of 1000 finalised on entry");
            Assert.Equal(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
            int collections = GC.CollectionCount(0), before = Volatile.Read(ref _finalised);
            MakeGarbage(Garbage); // finalisable garbage of several gen-0 budgets, well inside the fence's
            Assert.Equal(collections, GC.CollectionCount(0));
            Assert.Equal(before, Volatile.Read(ref _finalised));
        }
        Assert.NotEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
        // The control: the same garbage without a fence is collected.
        int outside = GC.CollectionCount(0);
        MakeGarbage(Garbage);
        Assert.True(GC.CollectionCount(0) > outside, "the garbage is big enough to need a collection");
    }

    [Fact]
    public void AStepThatOutgrowsTheBudgetEndsWithoutThrowing()
    {
        var fence = FinalizerFence.Enter();
        var keep = new List<byte[]>();
        for (long total = 0; total < 2 * FinalizerFence.Budget; total += 1 << 20) keep.Add(new byte[1 << 20]);
        fence.Dispose(); // the runtime has already ended the region with a collection
        Assert.NotEqual(GCLatencyMode.NoGCRegion, GCSettings.LatencyMode);
        GC.KeepAlive(keep);
    }
}
