using System.ComponentModel;
using System.Globalization;
using BoltzmannGen.Analysis;
using BoltzmannGen.Data;
using BoltzmannGen.Datasets;
using BoltzmannGen.Simulation;
using Spectre.Console.Cli;
using Spectre.Console;

namespace BoltzmannGen.Cli.Commands;

/// <summary>
/// `bgen simulate`: reference MD (plain Langevin, independent replicas, or temperature replica exchange) written
/// as a dataset folder. Checkpoints in OUT/.partial let a killed run continue with --resume.
/// </summary>
public sealed class SimulateCommand : Command<SimulateCommand.Settings>
{
    public sealed class Settings : SystemSettings
    {
        protected override string? ThreadsUnused => "simulate runs one OpenMM context per trajectory (--replicas × --temperatures)";

        [CommandOption("--ns <NS>")]
        [Description("Simulated length of each trajectory, ns (after equilibration).")]
        public double Nanoseconds { get; init; }

        [CommandOption("-o|--out <DIR>")]
        [Description("Dataset folder to write (e.g. data/aldp).")]
        public string Out { get; init; } = "";

        [CommandOption("--replicas <K>")]
        [Description("Independent trajectories (or ladders) run in parallel and concatenated (default 1).")]
        [DefaultValue(1)]
        public int Replicas { get; init; } = 1;

        [CommandOption("--temperatures <LIST>")]
        [Description("Replica-exchange ladder in K, increasing, e.g. 300,330,365,400; the first is the dataset's temperature (default: the system's temperature only).")]
        public string? Temperatures { get; init; }

        [CommandOption("--seed <N>")]
        [Description("Seed of the initial velocities, thermostat noise and exchanges: the same options and seed give the same trajectory.")]
        [DefaultValue(1)]
        public int Seed { get; init; } = 1;

        [CommandOption("--save-every-ps <PS>")]
        [Description("Interval between saved frames, ps.")]
        [DefaultValue(1.0)]
        public double SaveEveryPs { get; init; } = 1.0;

        [CommandOption("--swap-every-ps <PS>")]
        [Description("Interval between exchange attempts, ps (a multiple or a divisor of --save-every-ps; default: the save interval). Short intervals, e.g. 0.1, mix the ladder faster.")]
        public double? SwapEveryPs { get; init; }

        [CommandOption("--equilibrate-ps <PS>")]
        [Description("Equilibration after minimisation, not recorded.")]
        [DefaultValue(100.0)]
        public double EquilibratePs { get; init; } = 100;

        [CommandOption("--checkpoint-every-ps <PS>")]
        [Description("Simulated time between checkpoints in OUT/.partial (a multiple of --save-every-ps); a killed run continues from the last one with --resume.")]
        [DefaultValue(100.0)]
        public double CheckpointEveryPs { get; init; } = 100;

        [CommandOption("--resume")]
        [Description("Continue the interrupted run in OUT/.partial.")]
        public bool Resume { get; init; }

        [CommandOption("--force")]
        [Description("Replace an existing dataset (or interrupted run) in OUT.")]
        public bool Force { get; init; }

        public override ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Out) ? ValidationResult.Error("--out is required (e.g. --out data/aldp).") : base.Validate();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var system = settings.LoadSystem();
        var temperatures = settings.Temperatures is null
            ? new[] { system.TemperatureK }
            : ParseTemperatures(settings.Temperatures);
        var options = new MDOptions
        {
            System = system.Name,
            Nanoseconds = settings.Nanoseconds,
            SaveEveryPs = settings.SaveEveryPs,
            SwapEveryPs = settings.SwapEveryPs ?? settings.SaveEveryPs,
            TemperaturesK = temperatures,
            Replicas = settings.Replicas,
            Seed = settings.Seed,
            EquilibrationPs = settings.EquilibratePs,
            CheckpointEveryPs = settings.CheckpointEveryPs,
            Platform = settings.Platform,
        };
        options.Validate();
        if (Math.Abs(temperatures[0] - system.TemperatureK) > 1e-9)
            AnsiConsole.MarkupLine($"[yellow]note: the dataset will be at {temperatures[0]} K; {system.Name} is defined at {system.TemperatureK} K.[/]");

        string work = Path.Combine(settings.Out, ".partial");
        using var writer = OutputPath.Lock(settings.Out, context);
        if (ReferenceDataset.Exists(settings.Out) && !settings.Force)
            throw new InputException($"{settings.Out} already holds a dataset; pass --force to replace it.");
        PrepareOutput(settings, work);

        MDResult result = null!;
        int stopped = Interruptible.Run(context, cancellationToken, token =>
        {
            using var run = new MDRun(system, options, work, settings.Resume);
            result = RunWithProgress(run, options, token);
        });
        if (stopped != 0) return stopped;

        var all = new Frames(result.Energies.Length, system.AtomCount, Array.ConvertAll(result.Positions, x => (double)x));
        var stats = TrajectoryStatistics.Compute(all, system.Topology, result.Replicas);
        string command = "bgen " + string.Join(" ", context.Arguments.Select(Quote));
        var dataset = ReferenceDataset.Write(settings.Out, system, result.Positions, result.Energies, sizes => new DatasetMeta
        {
            System = system.Name,
            Molecule = system.Info.Molecule,
            Atoms = system.AtomCount,
            ForceField = system.Info.ForceField,
            Solvent = system.Info.Solvent,
            TemperatureK = temperatures[0],
            FrictionPerPs = options.FrictionPerPs,
            TimestepPs = options.StepPs,
            SaveIntervalPs = options.SaveEveryPs,
            EquilibrationPs = options.EquilibrationPs,
            LengthNsPerReplica = result.NanosecondsPerReplica,
            Replicas = options.Replicas,
            TemperaturesK = temperatures,
            SwapIntervalPs = temperatures.Length > 1 ? options.SwapEveryPs : null,
            SwapAcceptance = temperatures.Length > 1 ? result.SwapAcceptance : null,
            Seed = options.Seed,
            Platform = options.Platform,
            OpenMMVersion = OpenMMSharp.Platform.OpenMMVersion,
            Command = command,
            WallSeconds = Math.Round(result.WallSeconds, 1),
            CreatedUtc = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            Frames = sizes,
            AutocorrelationTimeFrames = stats.AutocorrelationTimeFrames.ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value, 3)),
            EffectiveSamples = sizes.ToDictionary(kv => kv.Key, kv => Math.Round(stats.EffectiveSamples(kv.Value), 1)),
            PhiPositivePopulation = stats.PhiPositivePopulation,
        });
        Directory.Delete(work, recursive: true);
        DatasetSummary.Print(dataset);
        return 0;
    }

    private static void PrepareOutput(Settings settings, string work)
    {
        try
        {
            Directory.CreateDirectory(settings.Out);
            if (settings.Force && !settings.Resume && Directory.Exists(work)) Directory.Delete(work, recursive: true);
            var probe = Path.Combine(settings.Out, ".write-test-" + Guid.NewGuid().ToString("N"));
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new InputException($"--out {settings.Out} is not writable: {e.Message}", e);
        }
    }

    private static MDResult RunWithProgress(MDRun run, MDOptions options, CancellationToken stop)
    {
        if (Console.IsOutputRedirected)
        {
            long lastPrinted = -1;
            string lastPhase = "";
            return run.Run(new SynchronousProgress<MDProgress>(p =>
            {
                // Logs get a line per 10 %, not a redraw per frame.
                long tenth = p.StepsDone * 10 / Math.Max(1, p.StepsTotal);
                if (tenth == lastPrinted && p.Phase == lastPhase) return;
                (lastPrinted, lastPhase) = (tenth, p.Phase);
                Console.WriteLine(ProgressLine(p, options));
            }), stop);
        }
        MDResult? result = null;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var equilibration = ctx.AddTask("equilibration", maxValue: Math.Max(1, options.EquilibrationSteps));
                var production = ctx.AddTask("production", maxValue: options.TotalSteps);
                result = run.Run(new SynchronousProgress<MDProgress>(p =>
                {
                    var task = p.Phase == "equilibration" ? equilibration : production;
                    if (p.Phase == "production") equilibration.Value = equilibration.MaxValue;
                    task.Value = p.StepsDone;
                    task.Description = Markup.Escape(ProgressLine(p, options));
                }), stop);
            });
        return result!;
    }

    private static string ProgressLine(MDProgress p, MDOptions options)
    {
        double ns = p.StepsDone * options.StepPs / 1000;
        double total = p.StepsTotal * options.StepPs / 1000;
        string swaps = p.SwapAcceptance.Count == 0 ? "" :
            " swaps " + string.Join(" ", p.SwapAcceptance.Select(a => double.IsNaN(a) ? "-" : a.ToString("P0", CultureInfo.InvariantCulture)));
        int trajectories = options.Replicas * options.TemperaturesK.Count;
        return $"{p.Phase}: {ns:F2}/{total:F2} ns × {trajectories} replica(s), {p.NsPerDay:F0} ns/day each{swaps}";
    }

    private static double[] ParseTemperatures(string text)
    {
        try
        {
            return text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(t => double.Parse(t, CultureInfo.InvariantCulture)).ToArray();
        }
        catch (FormatException)
        {
            throw new InputException($"--temperatures '{text}' is not a comma-separated list of numbers (e.g. 300,330,365,400).");
        }
    }

    private static string Quote(string arg) => arg.Contains(' ') ? $"\"{arg}\"" : arg;
}

/// <summary>IProgress that reports on the caller's thread (Progress&lt;T&gt; posts to the thread pool, out of order).</summary>
internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
