using System.ComponentModel;
using System.Diagnostics;
using BoltzmannGen.Data;
using BoltzmannGen.Flows;
using BoltzmannGen.Training;
using BoltzmannGen.Numerics.Assignment;
using BoltzmannGen.Training.Targets;
using Spectre.Console;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace BoltzmannGen.Cli.Commands;

/// <summary>`bgen targets --kind ot`: FORT regression pairs from an exact optimal assignment of prior draws to MD frames.</summary>
public sealed class TargetsCommand : Command<TargetsCommand.Settings>
{
    public sealed class Settings : SystemSettings
    {
        [CommandOption("--kind <KIND>")]
        [Description("ot (exact optimal transport to MD frames). reflow comes with the teacher.")]
        [DefaultValue("ot")]
        public string Kind { get; init; } = "ot";

        [CommandOption("--data <DIR>")]
        [Description("Reference dataset folder (its train split is paired).")]
        public string Data { get; init; } = "";

        [CommandOption("--pairs <N>")]
        [DefaultValue(20000)]
        public int Pairs { get; init; } = 20000;

        [CommandOption("--align <MODE>")]
        [Description("none, or kabsch: the pair cost is taken after rotating each frame onto its prior draw (≤ ~5,000 pairs).")]
        [DefaultValue("none")]
        public string Align { get; init; } = "none";

        [CommandOption("--seed <N>")]
        [DefaultValue(1)]
        public int Seed { get; init; } = 1;

        [CommandOption("-o|--out <FILE>")]
        public string Out { get; init; } = "";

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out is required (e.g. runs/aldp-ot/targets.npz).");
            if (Kind != "ot") return ValidationResult.Error($"--kind {Kind}: only ot is available so far (reflow needs a teacher).");
            if (Align is not ("none" or "kabsch")) return ValidationResult.Error("--align must be none or kabsch.");
            if (Pairs < 2) return ValidationResult.Error("--pairs must be at least 2.");
            return string.IsNullOrWhiteSpace(Data) ? ValidationResult.Error("--data is required for --kind ot.") : base.Validate();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var system = settings.LoadSystem();
        OutputPath.CheckWritable(settings.Out, "--out");
        var dataset = ReferenceDataset.Load(settings.Data, system);
        var train = dataset.Split("train");
        if (settings.Pairs > train.Count)
            throw new InputException($"--pairs {settings.Pairs} is more than the {train.Count} training frames in {settings.Data}.");
        int atoms = system.AtomCount, d = 3 * atoms, n = settings.Pairs;
        double scale = LengthScale.FromFrames(train.Positions, atoms);

        // n distinct training frames (seeded), centred and scaled.
        var random = new Numerics.Xoshiro256((ulong)settings.Seed);
        var order = Enumerable.Range(0, train.Count).ToArray();
        for (int i = order.Length - 1; i > 0; i--) { int j = (int)(random.NextUInt64() % (ulong)(i + 1)); (order[i], order[j]) = (order[j], order[i]); }
        var frames = new float[n * d];
        using (var coordinates = new CentredCoordinates(atoms, scale))
        using (var data = tensor(order[..n].SelectMany(f => train.Frame(f).ToArray()).ToArray(), [n, atoms, 3], float64))
        using (var normalised = coordinates.Centre(data) / scale)
            normalised.to(float32).data<float>().CopyTo(frames);

        // Prior draws: standard normal in the 3N−3 centred coordinates, embedded as centred Cartesian vectors.
        var x0 = new float[n * d];
        using (var coordinates = new CentredCoordinates(atoms, 1.0))
        using (var g = new Generator((ulong)settings.Seed + 1))
        using (var u0 = randn([n, coordinates.Dimension], generator: g, dtype: float64))
        using (var embedded = coordinates.Embed(u0))
            embedded.to(float32).data<float>().CopyTo(x0);

        var clock = Stopwatch.StartNew();
        OtPairing pairing = null!;
        AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask($"exact assignment of {n} pairs", maxValue: n);
                pairing = OptimalTransportPairing.Pair(x0, frames, n, d, settings.Align == "kabsch", settings.Threads ?? 0,
                    new SynchronousProgress<AssignmentProgress>(p => task.Value = p.AssignedRows), cancellationToken);
                task.Value = n;
            });
        var meta = new TargetsMeta
        {
            System = system.Name, Kind = "ot", Pairs = n, Seed = settings.Seed, Source = settings.Data, Align = settings.Align,
            MeanSquaredDistanceRandom = pairing.MeanSquaredDistanceBefore, MeanSquaredDistancePaired = pairing.MeanSquaredDistanceAfter,
            Seconds = Math.Round(clock.Elapsed.TotalSeconds, 1),
        };
        new TargetsFile(x0, pairing.Targets, n, atoms, scale, meta).Write(settings.Out);
        AnsiConsole.MarkupLine($"{n} OT pairs for {system.Name} in {clock.Elapsed.TotalSeconds:F1} s → {Markup.Escape(settings.Out)}; " +
                               $"mean squared pair distance {pairing.MeanSquaredDistanceBefore:F2} (random) → {pairing.MeanSquaredDistanceAfter:F2} (optimal), scale {scale:F4} nm");
        return 0;
    }
}
