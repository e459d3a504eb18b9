using System.Collections.Concurrent;
using BoltzmannGen.Energy;
using BoltzmannGen.Tests.Support;
using OpenMMSharp;

namespace BoltzmannGen.Tests.OpenMM;

/// <summary>
/// OpenMM's XmlSerializer is not thread-safe (its number formatting/parsing shares state between threads); the
/// shim serializes those calls with one lock. These tests are built to fail without that lock: eight threads released
/// together by a barrier every round, many rounds, and in the round-trip test every thread's numbers distinct
/// 17-digit doubles (dtoa's big-integer path, where the shared state is; a digit taken from another thread's number
/// cannot go unnoticed). Measured on the 2-core VM with the lock removed from src/OpenMMSharp/native/openmmsharp.cpp:
/// the class aborted the test host (free(): invalid pointer, double free) in 10 of 10 runs, the round-trip test alone
/// in 10 of 10, the energy-pool test alone failed in 13 of 18 (it was 0 of 4 before); with the lock, 5 of 5 class runs pass.
/// </summary>
public class ThreadSafetyTests
{
    private const int Threads = 8;

    /// <summary>
    /// Runs <paramref name="body"/>(t, r) for r = 0 … <paramref name="rounds"/>−1 on <see cref="Threads"/> threads,
    /// every round released by a barrier so that all threads enter the serializer at the same moment. An exception
    /// is kept (and the thread goes on to the next barrier, so that no other thread waits forever) and rethrown.
    /// </summary>
    private static void RunTogether(int rounds, Action<int, int> body)
    {
        using var start = new Barrier(Threads);
        var errors = new ConcurrentBag<Exception>();
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            for (int r = 0; r < rounds; r++)
            {
                start.SignalAndWait();
                try { body(t, r); }
                catch (Exception e) { errors.Add(e); }
            }
        }) { IsBackground = true }).ToList();
        threads.ForEach(th => th.Start());
        threads.ForEach(th => th.Join());
        if (!errors.IsEmpty) throw new AggregateException(errors);
    }

    // Thread t's numbers: all distinct across threads, none with a short decimal form (π, e, √2 multiples), so
    // formatting needs all 17 significant digits and parsing the full big-integer path of dtoa.
    private static double Mass(int t, int i) => 1 + t + (i + 1) * Math.PI / 1000;
    private static double Length(int t, int i) => 0.1 + (t * 1000 + i) * Math.E * 1e-6;
    private static double Stiffness(int t, int i) => 1000 + (t * 1000 + i) * Math.Sqrt(2);

    private const int Particles = 200;

    private static OpenMMSystem DistinctSystem(int t)
    {
        var system = new OpenMMSystem();
        for (int i = 0; i < Particles; i++) system.AddParticle(Mass(t, i));
        var bonds = new HarmonicBondForce();
        for (int i = 0; i + 1 < Particles; i++) bonds.AddBond(i, i + 1, Length(t, i), Stiffness(t, i));
        system.AddForce(bonds);
        return system;
    }

    [Fact]
    public void Concurrent_round_trips_of_distinct_systems_keep_every_number()
    {
        // References serialized one at a time, before any concurrency.
        var reference = Enumerable.Range(0, Threads).Select(t =>
        {
            using var s = DistinctSystem(t);
            return XmlSerializer.SerializeSystem(s);
        }).ToArray();
        var wrong = new ConcurrentBag<string>();
        RunTogether(40, (t, r) =>
        {
            using var s = XmlSerializer.DeserializeSystem(reference[t]);
            for (int i = 0; i < Particles; i++)
                if (s.GetParticleMass(i) != Mass(t, i)) wrong.Add($"thread {t} round {r}: mass {i} read as {s.GetParticleMass(i):R}, written {Mass(t, i):R}");
            var bonds = Assert.IsType<HarmonicBondForce>(Assert.Single(s.Forces));
            for (int i = 0; i + 1 < Particles; i++)
            {
                var (_, _, length, k) = bonds.GetBondParameters(i);
                if (length != Length(t, i) || k != Stiffness(t, i)) wrong.Add($"thread {t} round {r}: bond {i} read as ({length:R}, {k:R})");
            }
            if (XmlSerializer.SerializeSystem(s) != reference[t]) wrong.Add($"thread {t} round {r}: serialized text differs");
        });
        Assert.True(wrong.IsEmpty, $"{wrong.Count} corrupted values, e.g. " + string.Join("; ", wrong.Take(5)));
    }

    [Fact]
    public void Energy_pools_created_concurrently_agree_with_OpenMM_Python()
    {
        // The path production takes: every pool deserializes system.xml once on the creating thread and once per
        // worker thread. system.xml's numbers are short (dtoa's exact fast path), so this catches a missing lock in
        // most runs, not all; the round-trip test above is the one that fails every time.
        var system = EnergyFixtures.System("al4");
        var frames = EnergyFixtures.Frames("al4");
        var expected = EnergyFixtures.Energies("al4");
        var wrong = new ConcurrentBag<string>();
        RunTogether(16, (t, k) =>
        {
            using var energy = PotentialEnergy.For(system, new EnergyOptions { Threads = 1 + k % 2 });
            var e = energy.Evaluate(frames.Positions).Energies;
            // 1e-4 kJ/mol: the agreement of the single-threaded energies with OpenMM's Python layer (ReferenceEnergyTests).
            for (int i = 0; i < e.Length; i++)
                if (!(Math.Abs(e[i] - expected[i]) <= 1e-4)) wrong.Add($"thread {t} pool {k} frame {i}: {e[i]} vs {expected[i]}");
        });
        Assert.True(wrong.IsEmpty, $"{wrong.Count} wrong energies, e.g. " + string.Join("; ", wrong.Take(5)));
    }
}
