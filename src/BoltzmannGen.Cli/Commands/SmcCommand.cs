using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using BoltzmannGen.Smc;
using Spectre.Console.Cli;
using Spectre.Console;

namespace BoltzmannGen.Cli.Commands;

/// <summary>`bgen smc`: annealed importance sampling / SMC from a trained flow's prior to the Boltzmann density, in the flow's latent space.</summary>
public sealed class SmcCommand : Command<SmcCommand.Settings>
{
    public sealed class Settings : TrainedModelSettings
    {



        [CommandOption("-n|--samples <N>")]
        [Description("Particles (also accepted as --n); at least 2.")]
        [DefaultValue(1024)]
        public int Count { get; init; } = 1024;

        [CommandOption("-o|--out <FILE>")]
        [Description("samples.npz: the final particles in the layout of `bgen sample` + `bgen reweight`, log_w the SMC weights, plus smc_* statistics.")]
        public string Out { get; init; } = "";

        [CommandOption("--schedule <KIND>")]
        [Description("fixed: β_k = (k/K)², K = --steps (or --betas); adaptive: each β by bisection so the conditional ESS keeps --ess-target.")]
        [DefaultValue("fixed")]
        public string Schedule { get; init; } = "fixed";

        [CommandOption("--steps <K>")]
        [Description("Annealing steps (fixed; default 20), or the most steps an adaptive schedule may take (default 500).")]
        public int? Steps { get; init; }

        [CommandOption("--betas <LIST>")]
        [Description("Explicit schedule, e.g. 0.01,0.1,0.4,1: strictly increasing, ending at exactly 1 (fixed schedule only).")]
        public string? Betas { get; init; }

        [CommandOption("--ess-target <FRACTION>")]
        [Description("Adaptive schedule: the conditional ESS each step keeps.")]
        [DefaultValue(0.9)]
        public double EssTarget { get; init; } = 0.9;

        [CommandOption("--kernel <NAME>")]
        [Description("mala (Metropolis-adjusted Langevin, exact) or langevin (unadjusted; biased by its step).")]
        [DefaultValue("mala")]
        public string Kernel { get; init; } = "mala";

        [CommandOption("--mcmc-per-step <M>")]
        [Description("Langevin sweeps after each reweighting (0: annealed reweighting and resampling only).")]
        [DefaultValue(2)]
        public int Moves { get; init; } = 2;

        [CommandOption("--step-size <EPS>")]
        [Description("Initial Langevin step ε in the latent space (proposal spread √(2ε)); adapted to the target acceptance after every sweep.")]
        [DefaultValue(0.05)]
        public double StepSize { get; init; } = 0.05;

        [CommandOption("--resample-below <FRACTION>")]
        [Description("Resample (systematic) when the ESS fraction of the accumulated weights falls below this; 0: never (pure AIS).")]
        [DefaultValue(0.5)]
        public double ResampleBelow { get; init; } = 0.5;

        [CommandOption("--seed <N>")]
        [Description("Seed of the prior draws, Langevin noise and resampling.")]
        [DefaultValue(1)]
        public int Seed { get; init; } = 1;

        [CommandOption("--device <DEVICE>")]
        [Description("cpu, cuda or auto (cuda when available).")]
        [DefaultValue("auto")]
        public string Device { get; init; } = "auto";

        [CommandOption("--batch <N>")]
        [Description("Particles per forward/backward pass through the flow.")]
        [DefaultValue(1024)]
        public int Batch { get; init; } = 1024;

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Model)) return ValidationResult.Error("--model is required (a folder from `bgen train`).");
            if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out is required (samples.npz).");
            if (Count < 2) return ValidationResult.Error($"--n {Count}: SMC needs at least 2 particles.");
            if (Kernel is not ("mala" or "langevin")) return ValidationResult.Error($"--kernel {Kernel}: use mala or langevin.");
            if (Schedule is not ("fixed" or "adaptive")) return ValidationResult.Error($"--schedule {Schedule}: use fixed or adaptive.");
            if (Steps is < 1) return ValidationResult.Error($"--steps {Steps}: need at least one annealing step.");
            if (Betas is not null && (Schedule == "adaptive" || Steps is not null))
                return ValidationResult.Error("--betas is a whole fixed schedule: give it without --steps and without --schedule adaptive.");
            if (Moves < 0) return ValidationResult.Error($"--mcmc-per-step {Moves}: must be 0 or more.");
            if (!(StepSize > 0) || !double.IsFinite(StepSize)) return ValidationResult.Error($"--step-size {StepSize}: must be positive.");
            if (ResampleBelow is < 0 or > 1 || double.IsNaN(ResampleBelow)) return ValidationResult.Error($"--resample-below {ResampleBelow}: use a fraction in [0, 1].");
            if (Batch < 1) return ValidationResult.Error("--batch must be at least 1.");
            try { ToSchedule(); }
            catch (InputException e) { return ValidationResult.Error(e.Message); }
            return base.Validate();
        }

        public AnnealingSchedule ToSchedule() =>
            Betas is not null ? AnnealingSchedule.Explicit(ParseBetas(Betas))
            : Schedule == "adaptive" ? AnnealingSchedule.Adaptive(EssTarget, Steps ?? 500)
            : AnnealingSchedule.Power(Steps ?? 20);

        private static double[] ParseBetas(string text) =>
            text.Split(',', StringSplitOptions.TrimEntries).Select(s =>
                double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v
                : throw new InputException($"--betas: '{s}' is not a number; give a comma-separated list such as 0.1,0.5,1.")).ToArray();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        OutputPath.CheckWritable(settings.Out, "--out");
        var (info, system) = settings.LoadModelAndSystem();
        var options = new SmcOptions
        {
            Particles = settings.Count, Schedule = settings.ToSchedule(), Kernel = settings.Kernel == "mala" ? SmcKernel.Mala : SmcKernel.Langevin,
            MovesPerStep = settings.Moves, ResampleBelow = settings.ResampleBelow, StepSize = settings.StepSize, Seed = (ulong)settings.Seed,
        };
        var request = new FlowSmcRequest(settings.Model, info, system, options, settings.Out, OutputPath.CommandLine(context), settings.ToOptions(),
                                         settings.Device, settings.Batch);
        var run = FlowSmc.Run(request, (title, total, work) => ShowProgress(title, total, options.Schedule, work), cancellationToken);
        Summarise(settings, run.Result, run.Output, run.Seconds);
        return 0;
    }

    private static void ShowProgress(string title, double total, AnnealingSchedule schedule, Action<IProgress<SmcStep>> work)
    {
        var clock = Stopwatch.StartNew();
        string Line(SmcStep s)
        {
            // Fixed schedules progress by steps; adaptive ones only know how far β has come.
            double done = schedule.IsAdaptive ? s.Beta : (double)s.Step / schedule.MaxSteps;
            double eta = done > 0 ? clock.Elapsed.TotalSeconds * (1 - done) / done : double.NaN;
            return string.Create(CultureInfo.InvariantCulture,
                $"step {s.Step}{(schedule.IsAdaptive ? "" : $"/{schedule.MaxSteps}")} β {s.Beta:G4} ESS {s.EssBeforeResampling:P1}" +
                $"{(s.Resampled ? " (resampled)" : "")} acceptance {(double.IsFinite(s.Acceptance) ? s.Acceptance.ToString("F2", CultureInfo.InvariantCulture) : "n/a (no valid particle moved)")} ε {s.StepSize:G3} log Z {s.LogZ:F2} ETA {eta:F0} s");
        }
        if (Console.IsOutputRedirected)
        {
            work(new SynchronousProgress<SmcStep>(s => Console.WriteLine($"{title}: {Line(s)}")));
            return;
        }
        AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(title), maxValue: total);
                work(new SynchronousProgress<SmcStep>(s =>
                {
                    task.Value = schedule.IsAdaptive ? s.Beta : s.Step;
                    task.Description = Markup.Escape($"{title}: {Line(s)}");
                }));
            });
    }

    private static void Summarise(Settings settings, SmcResult result, SmcOutput output, double seconds)
    {
        var ci = CultureInfo.InvariantCulture;
        var table = new Table().AddColumns("", "value");
        table.AddRow("particles", $"{result.LogWeights.Length:N0}");
        table.AddRow("steps", string.Create(ci, $"{result.Steps.Count} ({(settings.Betas is not null ? "given βs" : settings.Schedule)}), {result.Steps.Count(s => s.Resampled)} resamplings"));
        table.AddRow("kernel", string.Create(ci, $"{settings.Kernel} × {settings.Moves} per step, mean acceptance {result.Steps.Select(s => s.Acceptance).Where(double.IsFinite).DefaultIfEmpty(double.NaN).Average():F2}"));
        table.AddRow("energy evaluations per particle", string.Create(ci, $"{output.EvaluationsPerParticle:F1}"));
        table.AddRow("log Z (of exp(−u), nm)", string.Create(ci, $"{result.LogZ:F3}"));
        table.AddRow("ESS fraction of the final weights", string.Create(ci, $"{result.EssFraction:P2}"));
        table.AddRow("invalid / reflected", string.Create(ci, $"{output.Invalid} / {output.Reflected}"));
        table.AddRow("time", string.Create(ci, $"{seconds:F1} s ({seconds / Math.Max(1, result.Steps.Count):F2} s per step)"));
        AnsiConsole.Write(table);
        if (double.IsNegativeInfinity(result.LogZ))
            AnsiConsole.MarkupLine("[yellow]every particle has zero weight (invalid conformations or non-finite energies): nothing was annealed.[/]");
        AnsiConsole.MarkupLine($"positions, log_q, energy, log_w, valid, reflected, smc_* → {Markup.Escape(settings.Out)}");
    }
}
