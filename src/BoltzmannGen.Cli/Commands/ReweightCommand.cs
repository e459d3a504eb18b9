using System.ComponentModel;
using System.Diagnostics;
using BoltzmannGen.Data;
using BoltzmannGen.Numerics;
using BoltzmannGen.Sampling;
using Spectre.Console;
using Spectre.Console.Cli;

namespace BoltzmannGen.Cli.Commands;

/// <summary>`bgen reweight`: energies, validity and importance weights of generated samples, added to samples.npz.</summary>
public sealed class ReweightCommand : Command<ReweightCommand.Settings>
{
    public sealed class Settings : SystemSettings
    {
        [CommandOption("--samples <FILE>")]
        [Description("samples.npz with positions and log_q (from `bgen sample` or `bgen teacher sample`); updated in place.")]
        public string Samples { get; init; } = "";

        [CommandOption("--clip-top <FRACTION>")]
        [Description("Also store log_w_clipped: the largest FRACTION of log-weights capped (e.g. 0.002). Lowers variance, adds bias.")]
        public double? ClipTop { get; init; }

        [CommandOption("--resample <N>")]
        [Description("Also store resampled_index: N indices drawn in proportion to the weights (multinomial).")]
        public int? Resample { get; init; }

        [CommandOption("--seed <N>")]
        [Description("Seed of the resampling.")]
        [DefaultValue(1)]
        public int Seed { get; init; } = 1;

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Samples)) return ValidationResult.Error("--samples is required.");
            if (ClipTop is < 0 or >= 1) return ValidationResult.Error("--clip-top must be in [0, 1), e.g. 0.002.");
            if (Resample is < 1) return ValidationResult.Error("--resample must be at least 1.");
            return base.Validate();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var system = settings.LoadSystem();
        // Read, modify, write in place: under the file's writer lock from the read on, so two reweights cannot interleave.
        using var writer = OutputPath.Lock(settings.Samples, context);
        var file = SampleFile.Read(settings.Samples, system.AtomCount);
        if (file.IsSmc)
            throw new InputException($"--samples {settings.Samples}: these are `bgen smc` particles, already weighted by SMC; " +
                                     "−u − log q would be wrong for them (they are not draws from the flow). Nothing was written.");
        OutputPath.CheckWritable(settings.Samples, "--samples");
        var clock = Stopwatch.StartNew();
        var reweighting = new Reweighting(system, settings.ToOptions());
        ReweightResult result = null!;
        var positions = file.PositionsNm();
        var logQ = file.LogQValues();
        var previous = file.OptionalMask(SampleFile.Reflected);
        AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask($"{system.Name} energies", maxValue: file.Count);
                result = reweighting.Run(positions, logQ, previous, new SynchronousProgress<int>(done => task.Value = done), cancellationToken);
            });
        double seconds = clock.Elapsed.TotalSeconds;

        var updates = new List<(string, NpyArray)>
        {
            (SampleFile.Positions, new NpyArray(Array.ConvertAll(result.Positions, v => (float)v), file.Count, file.Atoms, 3)),
            (SampleFile.Energy, new NpyArray(result.EnergiesKJ, file.Count)),
            (SampleFile.LogW, new NpyArray(result.Weights.LogWeights, file.Count)),
            (SampleFile.Valid, new NpyArray(result.Valid, file.Count)),
            (SampleFile.Reflected, new NpyArray(result.Reflected, file.Count)),
            (SampleFile.ReweightSeconds, new NpyArray([seconds], 1)),
        };
        ImportanceWeights? clipped = null;
        if (settings.ClipTop is { } fraction and > 0)
        {
            clipped = result.Weights.ClipTop(fraction);
            updates.Add((SampleFile.LogWClipped, new NpyArray(clipped.LogWeights, file.Count)));
        }
        if (settings.Resample is { } m)
        {
            if (double.IsNegativeInfinity(result.Weights.LogSum))
                throw new InputException($"--resample: every sample in {settings.Samples} has zero weight (invalid or non-finite energy); nothing to resample. Nothing was written.");
            var indices = (clipped ?? result.Weights).Resample(m, new Xoshiro256((ulong)settings.Seed));
            updates.Add((SampleFile.Resampled, new NpyArray(indices, m)));
        }
        file.Write(updates);

        var table = new Table().AddColumns("", "value");
        table.AddRow("samples", $"{file.Count:N0}");
        table.AddRow("mirror images reflected", $"{result.ReflectedCount:N0}");
        table.AddRow("invalid (bonds/chirality)", $"{result.InvalidCount:N0}");
        table.AddRow("non-finite energy", $"{result.NonFiniteEnergyCount:N0}");
        table.AddRow("non-finite log q (invalid)", $"{result.NonFiniteLogQCount:N0}");
        table.AddRow("ESS", $"{result.Weights.EffectiveSampleSize:F1}");
        table.AddRow("ESS fraction", $"{result.Weights.EffectiveSampleFraction:P3}");
        if (clipped is not null)
            table.AddRow($"ESS fraction, top {settings.ClipTop:P2} clipped (biased)", $"{clipped.EffectiveSampleFraction:P3}");
        table.AddRow("time", $"{seconds:F1} s ({file.Count / Math.Max(seconds, 1e-9):N0} samples/s)");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"energy, log_w, valid, reflected → {Markup.Escape(settings.Samples)}");
        return 0;
    }
}
