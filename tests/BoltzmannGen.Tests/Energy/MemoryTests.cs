using System.Diagnostics;
using BoltzmannGen.Energy;
using BoltzmannGen.Tests.Support;

namespace BoltzmannGen.Tests.Energy;

[CollectionDefinition("memory", DisableParallelization = true)]
public class MemoryCollection;

/// <summary>
/// Native objects (State, vectors in the shim) must not leak per evaluation. A leak of one State per call would
/// cost ≥ 1 kB × 200,000 = 200 MB; the bound below is far under that and far over allocator noise.
/// `bgen bench energy --memory 1000000` runs the full million.
/// </summary>
[Collection("memory")]
public class MemoryTests
{
    [Fact]
    public void Resident_memory_stays_flat_over_200000_evaluations()
    {
        var system = EnergyFixtures.System("aldp");
        var frames = EnergyFixtures.Frames("aldp");
        var batch = new double[1000 * 66];
        for (int i = 0; i < 1000; i++) frames.Frame(i % frames.Count).CopyTo(batch.AsSpan(i * 66));

        using var energy = PotentialEnergy.For(system, new EnergyOptions { Threads = 2 });
        for (int i = 0; i < 20; i++) energy.Evaluate(batch, withForces: true); // warm-up: pools, JIT, allocator arenas
        long before = Resident();
        for (int i = 0; i < 200; i++) energy.Evaluate(batch, withForces: true);
        long growth = Resident() - before;
        Assert.True(growth < 30L << 20, $"resident memory grew by {growth / 1048576.0:F1} MB over 200,000 evaluations");
    }

    private static long Resident()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var p = Process.GetCurrentProcess();
        p.Refresh();
        return p.WorkingSet64;
    }
}
