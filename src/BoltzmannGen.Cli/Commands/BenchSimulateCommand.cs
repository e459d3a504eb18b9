using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using BoltzmannGen.Simulation;
using BoltzmannGen.Systems;
using Spectre.Console;
using Spectre.Console.Cli;

namespace BoltzmannGen.Cli.Commands;

/// <summary>`bgen bench simulate`: MD throughput (ns/day, 1 fs steps) per system with one replica and with one replica per core.</summary>
public sealed class BenchSimulateCommand : Command<BenchSimulateCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--systems <LIST>")]
        [Description("Comma-separated systems (default: aldp,al3,al4).")]
        [DefaultValue("aldp,al3,al4")]
        public string Systems { get; init; } = "aldp,al3,al4";

        [CommandOption("--seconds <S>")]
        [Description("Minimum time per measurement.")]
        [DefaultValue(3.0)]
        public double Seconds { get; init; } = 3.0;
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var catalog = SystemCatalog.Default();
        int cores = Environment.ProcessorCount;
        var table = new Table().Title($"Langevin MD, ns/day (1 fs steps, Reference platform, {cores} cores)")
            .AddColumns("system", "atoms", "1 replica", $"{cores} replicas, each", $"{cores} replicas, total");
        foreach (var name in settings.Systems.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var system = catalog.Get(name);
            double one = NsPerDay(system, 1, settings.Seconds);
            double each = NsPerDay(system, cores, settings.Seconds);
            table.AddRow(name, system.AtomCount.ToString(CultureInfo.InvariantCulture), Format(one), Format(each), Format(each * cores));
        }
        AnsiConsole.Write(table);
        return 0;
    }

    /// <summary>ns/day of each of <paramref name="replicas"/> replicas stepping in parallel, 1,000 steps per round.</summary>
    internal static double NsPerDay(PeptideSystem system, int replicas, double seconds)
    {
        var protocol = new MDProtocol();
        string xml = system.ReadSystemXml();
        var set = Enumerable.Range(0, replicas).Select(i => new Replica(xml, protocol, system.TemperatureK, (ulong)(i + 1), $"bench-{i}")).ToArray();
        try
        {
            foreach (var r in set) r.Prepare(system.ReferencePositions, minimize: true);
            Task.WaitAll(set.Select(r => r.StepAsync(1000)).ToArray()); // warm-up
            long steps = 0;
            var clock = Stopwatch.StartNew();
            do
            {
                Task.WaitAll(set.Select(r => r.StepAsync(1000)).ToArray());
                steps += 1000;
            } while (clock.Elapsed.TotalSeconds < seconds);
            return steps * protocol.StepPs / 1000 / clock.Elapsed.TotalDays;
        }
        finally
        {
            foreach (var r in set) r.Dispose();
        }
    }

    private static string Format(double nsPerDay) => nsPerDay.ToString("N0", CultureInfo.InvariantCulture);
}
