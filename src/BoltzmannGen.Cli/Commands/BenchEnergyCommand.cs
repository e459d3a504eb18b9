using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using BoltzmannGen.Energy;
using BoltzmannGen.Systems;
using OpenMMSharp;
using Spectre.Console;
using Spectre.Console.Cli;

namespace BoltzmannGen.Cli.Commands;

/// <summary>
/// `bgen bench energy`: evaluations per second for each system — batches of 1024 through the context pool at one
/// thread and at all cores, next to a loop that scores one conformation at a time on a single context (the way
/// a per-frame script drives OpenMM). Optionally checks that resident memory stays flat over many evaluations.
/// </summary>
public sealed class BenchEnergyCommand : Command<BenchEnergyCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--systems <LIST>")]
        [Description("Comma-separated systems (default: aldp,al3,al4).")]
        public string Systems { get; init; } = "aldp,al3,al4";

        [CommandOption("--batch <N>")]
        [Description("Conformations per measured batch.")]
        [DefaultValue(1024)]
        public int Batch { get; init; } = 1024;

        [CommandOption("--seconds <S>")]
        [Description("Minimum time per measurement.")]
        [DefaultValue(2.0)]
        public double Seconds { get; init; } = 2.0;

        [CommandOption("--memory <N>")]
        [Description("Also run N evaluations of the first system and report resident memory (e.g. 1000000).")]
        public long Memory { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var catalog = SystemCatalog.Default();
        int cores = Environment.ProcessorCount;
        var table = new Table().Title($"Energy evaluations per second (batch {settings.Batch}, Reference platform, {cores} cores)")
            .AddColumns("system", "atoms", "loop, 1 context", "batch, 1 thread", $"batch, {cores} threads", "vs loop");
        foreach (var name in settings.Systems.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var system = catalog.Get(name);
            var frames = PerturbedFrames(system, settings.Batch, seed: 1);
            double loop;
            using (var scorer = new OneAtATimeScorer(system))
                loop = Measure(settings.Seconds, () => scorer.Score(frames), settings.Batch);
            double one, all;
            using (var energy = PotentialEnergy.For(system, new EnergyOptions { Threads = 1 }))
                one = Measure(settings.Seconds, () => energy.Evaluate(frames), settings.Batch);
            using (var energy = PotentialEnergy.For(system, new EnergyOptions { Threads = cores }))
                all = Measure(settings.Seconds, () => energy.Evaluate(frames), settings.Batch);
            table.AddRow(name, system.AtomCount.ToString(CultureInfo.InvariantCulture), Rate(loop), Rate(one), Rate(all), $"{all / loop:F2}×");
        }
        AnsiConsole.Write(table);

        if (settings.Memory > 0) MemoryCheck(catalog.Get(settings.Systems.Split(',')[0].Trim()), settings);
        return 0;
    }

    /// <summary>The minimised structure plus Gaussian noise of 0.002 nm per coordinate (thermal-scale, finite energies).</summary>
    internal static double[] PerturbedFrames(PeptideSystem system, int count, int seed)
    {
        var reference = system.ReferencePositions;
        var random = new Random(seed);
        var frames = new double[count * reference.Length];
        for (int f = 0; f < count; f++)
        for (int i = 0; i < reference.Length; i++)
            frames[f * reference.Length + i] = reference[i] + 0.002 * Gaussian(random);
        return frames;
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    /// <summary>Evaluations per second: repeats <paramref name="run"/> (one batch) until <paramref name="seconds"/> have passed, after one warm-up.</summary>
    private static double Measure(double seconds, Action run, int perRun)
    {
        run();
        long evaluations = 0;
        var clock = Stopwatch.StartNew();
        do
        {
            run();
            evaluations += perRun;
        } while (clock.Elapsed.TotalSeconds < seconds);
        return evaluations / clock.Elapsed.TotalSeconds;
    }

    private static string Rate(double perSecond) => perSecond.ToString("N0", CultureInfo.InvariantCulture);

    private static void MemoryCheck(PeptideSystem system, Settings settings)
    {
        var frames = PerturbedFrames(system, settings.Batch, seed: 2);
        using var energy = PotentialEnergy.For(system, new EnergyOptions());
        long done = 0, target = settings.Memory;
        long? rssAfterWarmup = null;
        var clock = Stopwatch.StartNew();
        while (done < target)
        {
            energy.Evaluate(frames, withForces: true);
            done += settings.Batch;
            if (rssAfterWarmup is null && done >= target / 10)
            {
                GC.Collect();
                rssAfterWarmup = ResidentBytes();
            }
        }
        GC.Collect();
        long end = ResidentBytes();
        AnsiConsole.MarkupLine(
            $"{done:N0} evaluations with forces of {system.Name} in {clock.Elapsed.TotalSeconds:F1} s: resident memory {Mb(rssAfterWarmup ?? end)} after 10 %, {Mb(end)} at the end (growth {Mb(end - (rssAfterWarmup ?? end))}).");
    }

    internal static long ResidentBytes()
    {
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return process.WorkingSet64;
    }

    private static string Mb(long bytes) => $"{bytes / 1048576.0:F1} MB";

    /// <summary>The per-conformation loop a script would write: set positions, get the energy, once per frame.</summary>
    private sealed class OneAtATimeScorer : IDisposable
    {
        private readonly OpenMMSystem _system;
        private readonly VerletIntegrator _integrator = new(0.001);
        private readonly Context _context;
        private readonly int _perFrame;

        public OneAtATimeScorer(PeptideSystem system)
        {
            _system = XmlSerializer.DeserializeSystem(system.ReadSystemXml());
            _context = new Context(_system, _integrator, Platform.GetPlatformByName("Reference"));
            _perFrame = 3 * system.AtomCount;
        }

        public void Score(double[] frames)
        {
            for (int f = 0; f < frames.Length / _perFrame; f++)
            {
                _context.SetPositions(frames.AsSpan(f * _perFrame, _perFrame));
                using var state = _context.GetState(StateDataTypes.Energy);
                _ = state.PotentialEnergy;
            }
        }

        public void Dispose()
        {
            _context.Dispose();
            _integrator.Dispose();
            _system.Dispose();
        }
    }
}
