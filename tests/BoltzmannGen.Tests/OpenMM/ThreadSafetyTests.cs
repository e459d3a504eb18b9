using System.Collections.Concurrent;
using BoltzmannGen.Energy;
using BoltzmannGen.Tests.Support;
using OpenMMSharp;

namespace BoltzmannGen.Tests.OpenMM;

/// <summary>
/// OpenMM's XmlSerializer is not thread-safe (its number formatting/parsing shares state between threads); the
/// shim serializes those calls. Without that lock these tests fail within a few runs: corrupted parameters,
/// wrong energies, or a crash in free().
/// </summary>
public class ThreadSafetyTests
{
    [Fact]
    public void Concurrent_deserialization_gives_identical_systems()
    {
        var xml = File.ReadAllText(Path.Combine(EnergyFixtures.Catalog.ForceFieldsDirectory, "al4", "system.xml"));
        string reference;
        using (var s = XmlSerializer.DeserializeSystem(xml)) reference = XmlSerializer.SerializeSystem(s);
        int differing = 0;
        Parallel.For(0, 200, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ =>
        {
            using var s = XmlSerializer.DeserializeSystem(xml);
            if (XmlSerializer.SerializeSystem(s) != reference) Interlocked.Increment(ref differing);
        });
        Assert.Equal(0, differing);
    }

    [Fact]
    public void Energy_pools_created_concurrently_agree_with_OpenMM_Python()
    {
        var system = EnergyFixtures.System("al4");
        var frames = EnergyFixtures.Frames("al4");
        var expected = EnergyFixtures.Energies("al4");
        var wrong = new ConcurrentBag<string>();
        Parallel.For(0, 40, new ParallelOptions { MaxDegreeOfParallelism = 4 }, k =>
        {
            using var energy = PotentialEnergy.For(system, new EnergyOptions { Threads = 1 + k % 2 });
            var e = energy.Evaluate(frames.Positions).Energies;
            for (int i = 0; i < e.Length; i++)
                if (Math.Abs(e[i] - expected[i]) > 1e-4) wrong.Add($"pool {k} frame {i}: {e[i]} vs {expected[i]}");
        });
        Assert.True(wrong.IsEmpty, string.Join("; ", wrong.Take(5)));
    }
}
