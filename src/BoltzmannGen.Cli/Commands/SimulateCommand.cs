using System.ComponentModel;
using System.Globalization;
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
        var options = new MDOptions
        {
            System = system.Name,
            Nanoseconds = settings.Nanoseconds,
            SaveEveryPs = settings.SaveEveryPs,
            SwapEveryPs = settings.SwapEveryPs ?? settings.SaveEveryPs,
            TemperaturesK = settings.Temperatures is null ? [system.TemperatureK] : ParseTemperatures(settings.Temperatures),
            Replicas = settings.Replicas,
            Seed = settings.Seed,
            EquilibrationPs = settings.EquilibratePs,
            CheckpointEveryPs = settings.CheckpointEveryPs,
            Platform = settings.Platform,
        };
        var request = new ReferenceSimulationRequest(system, options, settings.Out, "bgen " + string.Join(" ", context.Arguments.Select(Quote)),
                                                     OutputPath.CommandLine(context), settings.Resume, settings.Force);
        ReferenceSimulationResult result = null!;
        int stopped = Interruptible.Run(context, cancellationToken, token =>
            result = ReferenceSimulation.Run(request, (_, _, work) => ShowProgress(work, options),
                                             note => AnsiConsole.MarkupLine($"[yellow]{Markup.Escape(note)}[/]"), token));
        if (stopped != 0) return stopped;
        DatasetSummary.Print(result.Dataset);
        return 0;
    }

    private static void ShowProgress(Action<IProgress<MDProgress>> work, MDOptions options)
    {
        if (Console.IsOutputRedirected)
        {
            long lastPrinted = -1;
            string lastPhase = "";
            work(new SynchronousProgress<MDProgress>(p =>
            {
                // Logs get a line per 10 %, not a redraw per frame.
                long tenth = p.StepsDone * 10 / Math.Max(1, p.StepsTotal);
                if (tenth == lastPrinted && p.Phase == lastPhase) return;
                (lastPrinted, lastPhase) = (tenth, p.Phase);
                Console.WriteLine(ProgressLine(p, options));
            }));
            return;
        }
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var equilibration = ctx.AddTask("equilibration", maxValue: Math.Max(1, options.EquilibrationSteps));
                var production = ctx.AddTask("production", maxValue: options.TotalSteps);
                work(new SynchronousProgress<MDProgress>(p =>
                {
                    var task = p.Phase == "equilibration" ? equilibration : production;
                    if (p.Phase == "production") equilibration.Value = equilibration.MaxValue;
                    task.Value = p.StepsDone;
                    task.Description = Markup.Escape(ProgressLine(p, options));
                }));
            });
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
