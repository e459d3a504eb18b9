using System.ComponentModel;
using System.Diagnostics;
using BoltzmannGen.Data;
using BoltzmannGen.Targets;
using Spectre.Console.Cli;
using Spectre.Console;

namespace BoltzmannGen.Cli.Commands;

/// <summary>
/// `bgen targets`: FORT regression pairs — `--kind ot` from an exact optimal assignment of prior draws to MD frames,
/// `--kind reflow` from the teacher CNF's ODE solutions started at prior draws.
/// </summary>
public sealed class TargetsCommand : Command<TargetsCommand.Settings>
{
    public sealed class Settings : SystemSettings
    {
        protected override string? PlatformUnused => "targets evaluates no energies";
        protected override string? ThreadsUnused => Kind == "reflow" ? "--threads sets the threads of --kind ot's assignment solver; reflow runs the teacher in libtorch" : null;

        [CommandOption("--kind <KIND>")]
        [Description("ot (exact optimal transport to MD frames) or reflow (teacher ODE solutions; needs --teacher).")]
        [DefaultValue("ot")]
        public string Kind { get; init; } = "ot";

        [CommandOption("--data <DIR>")]
        [Description("Reference dataset folder (its train split is paired).")]
        public string Data { get; init; } = "";

        [CommandOption("--pairs <N>")]
        [Description("Number of (prior draw, target) pairs; ot: at most the training frames of --data.")]
        [DefaultValue(20000)]
        public int Pairs { get; init; } = 20000;

        [CommandOption("--align <MODE>")]
        [Description("none, or kabsch: the pair cost is taken after rotating each frame onto its prior draw (≤ ~5,000 pairs).")]
        [DefaultValue("none")]
        public string Align { get; init; } = "none";

        [CommandOption("--cost <SPACE>")]
        [Description("ot: cartesian (squared distance of centred, scaled coordinates) or internal (squared distance between the " +
                     "prior draw's coefficients and the frame's standardised internal coordinates: the pairing an internal-coordinate " +
                     "flow, `coordinates=internal`, regresses on).")]
        [DefaultValue("cartesian")]
        public string Cost { get; init; } = "cartesian";

        [CommandOption("--seed <N>")]
        [Description("Seed of the prior draws (and, for ot, of which training frames are paired).")]
        [DefaultValue(1)]
        public int Seed { get; init; } = 1;

        [CommandOption("-o|--out <FILE>")]
        [Description("targets.npz to write; an existing file is replaced only with --force.")]
        public string Out { get; init; } = "";

        [CommandOption("--teacher <DIR>")]
        [Description("reflow: the teacher folder (from `bgen teacher train`).")]
        public string? Teacher { get; init; }

        [CommandOption("--solver <NAME>")]
        [Description("reflow: euler, midpoint, rk4 or dopri5.")]
        [DefaultValue("rk4")]
        public string Solver { get; init; } = "rk4";

        [CommandOption("--steps <N>")]
        [Description("reflow: steps of a fixed-step solver.")]
        [DefaultValue(20)]
        public int Steps { get; init; } = 20;

        [CommandOption("--chunk <N>")]
        [Description("reflow: pairs per chunk (each chunk is saved as soon as it is done).")]
        [DefaultValue(1000)]
        public int Chunk { get; init; } = 1000;

        [CommandOption("--part <K>")]
        [Description("reflow: with --parts N, make only chunks K, K+N, K+2N, … into OUT.partial/ and write no targets file " +
                     "(parts run side by side, e.g. as Slurm array tasks); then the same command with --resume and without --part/--parts assembles them.")]
        [DefaultValue(0)]
        public int Part { get; init; }

        [CommandOption("--parts <N>")]
        [Description("reflow: the number of parts the chunks are split into (1: the whole targets file in this process).")]
        [DefaultValue(1)]
        public int Parts { get; init; } = 1;

        [CommandOption("--device <DEVICE>")]
        [Description("reflow: cpu, cuda or auto (cuda when available) for the teacher.")]
        [DefaultValue("auto")]
        public string Device { get; init; } = "auto";

        [CommandOption("--resume")]
        [Description("reflow: keep the chunks a killed run already made.")]
        public bool Resume { get; init; }

        [CommandOption("--force")]
        [Description("Replace an existing --out file.")]
        public bool Force { get; init; }

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out is required (e.g. runs/aldp-ot/targets.npz).");
            if (Kind is not ("ot" or "reflow")) return ValidationResult.Error($"--kind {Kind}: use ot or reflow.");
            if (Kind == "reflow")
                return string.IsNullOrWhiteSpace(Teacher) ? ValidationResult.Error("--kind reflow needs --teacher (a folder from `bgen teacher train`).")
                    : Pairs < 2 || Steps < 1 || Chunk < 1 ? ValidationResult.Error("--pairs must be at least 2, --steps and --chunk at least 1.")
                    : Parts < 1 || Part < 0 || Part >= Parts ? ValidationResult.Error($"--part {Part} --parts {Parts}: --parts must be at least 1 and --part from 0 to {Math.Max(0, Parts - 1)}.")
                    : Parts > (Pairs + Chunk - 1) / Chunk ? ValidationResult.Error($"--parts {Parts}: more parts than the {(Pairs + Chunk - 1) / Chunk} chunks of {Chunk} pairs (lower --parts or --chunk).")
                    : base.Validate();
            if (Parts != 1 || Part != 0) return ValidationResult.Error("--part and --parts apply to --kind reflow only.");
            if (Align is not ("none" or "kabsch")) return ValidationResult.Error("--align must be none or kabsch.");
            if (Cost is not ("cartesian" or "internal")) return ValidationResult.Error($"--cost {Cost}: use cartesian or internal.");
            if (Cost == "internal" && Align != "none") return ValidationResult.Error("--align kabsch applies to --cost cartesian only.");
            if (Pairs < 2) return ValidationResult.Error("--pairs must be at least 2.");
            return string.IsNullOrWhiteSpace(Data) ? ValidationResult.Error("--data is required for --kind ot.") : base.Validate();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var system = settings.LoadSystem();
        OutputPath.CheckWritable(settings.Out, "--out");
        if (settings.Parts > 1) return Part(settings, system, context, cancellationToken);
        ExistingOutput.Refuse(settings.Out, settings.Force || settings.Resume, "--out"); // again under the lock: no lock file for this mistake
        var request = new FortTargetsRequest(system, settings.Kind, settings.Out, OutputPath.CommandLine(context), settings.Pairs, settings.Seed,
            settings.Force, settings.Resume, settings.Data, settings.Align, settings.Cost, settings.Threads ?? 0, settings.Teacher,
            settings.Solver, settings.Steps, settings.Chunk, settings.Device, settings.Part, settings.Parts);
        bool reflow = settings.Kind == "reflow";
        var result = FortTargets.Run(request, reflow ? ShowReflow : ShowAssignment, cancellationToken);
        var meta = result.Meta;
        if (reflow)
            AnsiConsole.MarkupLine($"{settings.Pairs:N0} reflow pairs for {system.Name} in {result.Seconds:F1} s " +
                                   $"({settings.Pairs / result.Seconds:N0} pairs/s) → {Markup.Escape(settings.Out)}; mean squared |x1 − x0| {meta.MeanSquaredDistancePaired:F2}");
        else
            AnsiConsole.MarkupLine($"{meta.Pairs} OT pairs for {system.Name} in {result.Seconds:F1} s → {Markup.Escape(settings.Out)}; " +
                                   $"mean squared pair distance {meta.MeanSquaredDistanceRandom:F2} (random) → {meta.MeanSquaredDistancePaired:F2} (optimal), scale {result.Scale:F4} nm");
        return 0;
    }

    /// <summary>`--part K --parts N`: one part of the reflow chunks, assembled later by `--resume`.</summary>
    private static int Part(Settings settings, BoltzmannGen.Systems.PeptideSystem system, CommandContext context, CancellationToken cancellationToken)
    {
        var request = new FortTargetsRequest(system, "reflow", settings.Out, OutputPath.CommandLine(context), settings.Pairs, settings.Seed,
            TeacherPath: settings.Teacher, Solver: settings.Solver, Steps: settings.Steps, Chunk: settings.Chunk, Device: settings.Device,
            Part: settings.Part, Parts: settings.Parts);
        var part = FortTargets.RunPart(request, ShowReflow, cancellationToken);
        AnsiConsole.MarkupLine($"part {settings.Part + 1}/{settings.Parts}: {part.Chunks} chunks, {part.Pairs:N0} reflow pairs for {system.Name} in {part.Seconds:F1} s → " +
                               $"{Markup.Escape(part.WorkFolder)}; the same command with --resume and without --part/--parts assembles the parts");
        return 0;
    }

    /// <summary>Reflow: pairs done of all, with the rate so far.</summary>
    private static void ShowReflow(string title, double total, Action<IProgress<int>> work)
    {
        var clock = Stopwatch.StartNew();
        AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(title, maxValue: total);
                work(new SynchronousProgress<int>(done =>
                {
                    task.Value = done;
                    double rate = done / Math.Max(1e-9, clock.Elapsed.TotalSeconds);
                    task.Description = $"{title} {rate:N0} pairs/s";
                }));
            });
    }

    /// <summary>OT: rows assigned of all, with the time so far (the solver's phases make a remaining time meaningless).</summary>
    private static void ShowAssignment(string title, double total, Action<IProgress<int>> work) =>
        AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(title, maxValue: total);
                work(new SynchronousProgress<int>(rows => task.Value = rows));
            });
}
