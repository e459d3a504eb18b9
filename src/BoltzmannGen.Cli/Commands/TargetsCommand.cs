using System.ComponentModel;
using System.Diagnostics;
using BoltzmannGen.Datasets;
using BoltzmannGen.Numerics.Assignment;
using BoltzmannGen.Optimisation;
using BoltzmannGen.Targets;
using BoltzmannGen.Teacher.Ode;
using BoltzmannGen.Teacher;
using Spectre.Console.Cli;
using Spectre.Console;
using static TorchSharp.torch;

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
                    : base.Validate();
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
        OutputPath.RefuseExisting(settings.Out, settings.Force || settings.Resume, "--out"); // again under the lock: no lock file for this mistake
        // The file's writer lock; reflow's chunks in OUT.partial are covered by it too.
        using var writer = OutputPath.Lock(settings.Out, context);
        OutputPath.RefuseExisting(settings.Out, settings.Force || settings.Resume, "--out");
        return settings.Kind == "reflow" ? Reflow(settings, system, cancellationToken) : OptimalTransport(settings, system, cancellationToken);
    }

    private static int Reflow(Settings settings, BoltzmannGen.Systems.PeptideSystem system, CancellationToken cancellationToken)
    {
        var (teacher, info) = TeacherDirectory.Load(settings.Teacher!, system, TorchDevices.Resolve(settings.Device));
        var options = new CnfOptions { Solver = settings.Solver, Steps = settings.Steps };
        try { options.Validate(); }
        catch (ArgumentException e) { throw InputException.From(e); }
        string work = settings.Out + ".partial";
        if (!settings.Resume && Directory.Exists(work)) Directory.Delete(work, recursive: true);

        var clock = Stopwatch.StartNew();
        var reflow = new ReflowTargets(teacher, options, settings.Seed, settings.Chunk);
        (float[] X0, float[] X1) pairs = ([], []);
        AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask($"reflow pairs ({settings.Solver}, {settings.Steps} steps)", maxValue: settings.Pairs);
                pairs = reflow.Generate(settings.Pairs, work, new SynchronousProgress<int>(done =>
                {
                    task.Value = done;
                    double rate = done / Math.Max(1e-9, clock.Elapsed.TotalSeconds);
                    task.Description = $"reflow pairs ({settings.Solver}, {settings.Steps} steps) {rate:N0} pairs/s";
                }), cancellationToken);
            });
        int atoms = system.AtomCount;
        double before = 0;
        for (long i = 0; i < pairs.X0.LongLength; i++) before += (pairs.X1[i] - pairs.X0[i]) * (double)(pairs.X1[i] - pairs.X0[i]);
        var meta = new TargetsMeta
        {
            System = system.Name, Kind = "reflow", Pairs = settings.Pairs, Seed = settings.Seed, Source = settings.Teacher!,
            MeanSquaredDistancePaired = before / settings.Pairs, Seconds = Math.Round(clock.Elapsed.TotalSeconds, 1),
            Solver = $"{settings.Solver}, {settings.Steps} steps",
            InternalCoordinates = info.InternalCoordinates?.DeepClone(),
        };
        new TargetsFile(pairs.X0, pairs.X1, settings.Pairs, atoms, info.Scale, meta).Write(settings.Out);
        Directory.Delete(work, recursive: true);
        AnsiConsole.MarkupLine($"{settings.Pairs:N0} reflow pairs for {system.Name} in {clock.Elapsed.TotalSeconds:F1} s " +
                               $"({settings.Pairs / clock.Elapsed.TotalSeconds:N0} pairs/s) → {Markup.Escape(settings.Out)}; mean squared |x1 − x0| {before / settings.Pairs:F2}");
        return 0;
    }

    private static int OptimalTransport(Settings settings, BoltzmannGen.Systems.PeptideSystem system, CancellationToken cancellationToken)
    {
        var dataset = ReferenceDataset.Load(settings.Data, system);
        var train = dataset.Split("train");
        if (settings.Pairs > train.Count)
            throw new InputException($"--pairs {settings.Pairs} is more than the {train.Count} training frames in {settings.Data}.");
        var problem = OtTargetProblem.Build(system, train, settings.Pairs, settings.Seed, settings.Cost);
        int n = problem.Pairs;
        var clock = Stopwatch.StartNew();
        OtPairing pairing = null!;
        AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask($"exact assignment of {n} pairs", maxValue: n);
                pairing = OptimalTransportPairing.Pair(problem.CostRows, problem.CostColumns, n, problem.CostDimension, settings.Align == "kabsch", settings.Threads ?? 0,
                    new SynchronousProgress<AssignmentProgress>(p => task.Value = p.AssignedRows), cancellationToken);
                task.Value = n;
            });
        var meta = new TargetsMeta
        {
            System = system.Name, Kind = "ot", Pairs = n, Seed = settings.Seed, Source = settings.Data, Align = settings.Align, Cost = settings.Cost,
            MeanSquaredDistanceRandom = pairing.MeanSquaredDistanceBefore, MeanSquaredDistancePaired = pairing.MeanSquaredDistanceAfter,
            Seconds = Math.Round(clock.Elapsed.TotalSeconds, 1),
        };
        new TargetsFile(problem.Prior, problem.Targets(pairing), n, problem.Atoms, problem.Scale, meta).Write(settings.Out);
        AnsiConsole.MarkupLine($"{n} OT pairs for {system.Name} in {clock.Elapsed.TotalSeconds:F1} s → {Markup.Escape(settings.Out)}; " +
                               $"mean squared pair distance {pairing.MeanSquaredDistanceBefore:F2} (random) → {pairing.MeanSquaredDistanceAfter:F2} (optimal), scale {problem.Scale:F4} nm");
        return 0;
    }
}
