using System.ComponentModel;
using BoltzmannGen.Datasets;
using BoltzmannGen.Flows;
using BoltzmannGen.Reporting;
using BoltzmannGen.Sampling;
using Spectre.Console.Cli;
using Spectre.Console;
using static TorchSharp.torch;

namespace BoltzmannGen.Cli.Commands;

/// <summary>`bgen report`: metrics against MD, free-energy plots and the report files of one run.</summary>
public sealed class ReportCommand : Command<ReportCommand.Settings>
{
    public sealed class Settings : SystemSettings
    {
        protected override string? PlatformUnused => "report evaluates no energies (it reads those `bgen reweight` stored)";
        protected override string? ThreadsUnused => PlatformUnused;

        [CommandOption("--samples <FILE>")]
        [Description("Reweighted samples.npz (after `bgen reweight`).")]
        public string Samples { get; init; } = "";

        [CommandOption("--reference <DIR>")]
        [Description("MD dataset to compare with (test split for E-W and T-W2 and NLL; all frames for ΔF).")]
        public string Reference { get; init; } = "";

        [CommandOption("-o|--out <DIR>")]
        [Description("Report folder: report.json, metrics.csv, report.md, report.html, PNG plots.")]
        public string Out { get; init; } = "";

        [CommandOption("--label <TEXT>")]
        [Description("Name of this run in tables and plots, e.g. \"FORT nsf\".")]
        public string? Label { get; init; }

        [CommandOption("--model <DIR>")]
        [Description("The flow that made the samples: NLL of the MD test frames and its training curves.")]
        public string? Model { get; init; }

        [CommandOption("--clip-top <FRACTION>")]
        [Description("Cap the largest FRACTION of log-weights before every estimate (biased; the report says so).")]
        [DefaultValue(0.0)]
        public double ClipTop { get; init; }

        [CommandOption("--bootstrap <N>")]
        [Description("Bootstrap resamples for confidence intervals.")]
        [DefaultValue(200)]
        public int Bootstrap { get; init; } = 200;

        [CommandOption("--tw2-points <N>")]
        [Description("Points per set in the exact T-W2 assignment (random equal-size subsets).")]
        [DefaultValue(2000)]
        public int TorusPoints { get; init; } = 2000;

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Samples)) return ValidationResult.Error("--samples is required.");
            if (string.IsNullOrWhiteSpace(Reference)) return ValidationResult.Error("--reference is required (an MD dataset, e.g. data/aldp).");
            if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out is required.");
            if (ClipTop is < 0 or >= 1) return ValidationResult.Error("--clip-top must be in [0, 1).");
            if (Bootstrap < 10) return ValidationResult.Error("--bootstrap must be at least 10.");
            if (TorusPoints < 2) return ValidationResult.Error("--tw2-points must be at least 2.");
            return base.Validate();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var system = settings.LoadSystem();
        OutputPath.CheckFolder(settings.Out, "--out", "the report");
        var samples = SampleFile.Read(settings.Samples, system.AtomCount);
        var reference = ReferenceDataset.Load(settings.Reference, system);
        using var writer = OutputPath.Lock(settings.Out, context); // before the model's weights: loading them is work
        var timings = new Dictionary<string, double>();
        double[]? testLogQ = null;
        string? log = null;
        int? keptStep = null;
        string? fineTuneLog = null;
        long? trainingEvaluations = null;
        if (settings.Model is not null)
        {
            var (model, info) = ModelDirectory.Load(settings.Model, CPU);
            if (info.System != system.Name) throw new InputException($"--model {settings.Model} was trained for {info.System}, not {system.Name}.");
            timings["train"] = info.TrainingSeconds;
            log = Path.Combine(settings.Model, ModelDirectory.LogFile);
            keptStep = info.KeptStep;
            trainingEvaluations = info.EnergyEvaluations;
            if (info.FineTunedFrom is not null) fineTuneLog = Path.Combine(settings.Model, BoltzmannGen.FineTuning.FineTuneLog.FileName);
            testLogQ = model.LogQ(reference.Split("test").Positions, batch: 2048);
        }
        var options = new ReportOptions
        {
            Label = settings.Label ?? Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(settings.Samples))) ?? "flow",
            Bootstrap = settings.Bootstrap, TorusPoints = settings.TorusPoints, ClipTop = settings.ClipTop, TrainingLog = log, KeptStep = keptStep, Timings = timings,
            FineTuneLog = fineTuneLog, TrainingEnergyEvaluations = trainingEvaluations,
        };
        RunReport report = null!;
        AnsiConsole.Status().Start("computing metrics and plots…", _ =>
            report = new RunReportBuilder(system, reference, options).Build(samples, settings.Out, testLogQ));
        ReportWriter.WriteAll(settings.Out, report);

        var table = new Table().AddColumns("metric", "value", "CI", "unit");
        foreach (var row in report.Metrics())
            table.AddRow(Markup.Escape(row.Metric), Markup.Escape(ReportWriter.Fmt(row.Value)),
                row.CiLow is null ? "" : Markup.Escape(ReportWriter.FmtCi([row.CiLow.Value, row.CiHigh ?? double.NaN])), Markup.Escape(row.Unit));
        AnsiConsole.Write(table);
        foreach (var note in report.Notes) AnsiConsole.MarkupLine($"[yellow]{Markup.Escape(note)}[/]");
        AnsiConsole.MarkupLine($"report → {Markup.Escape(Path.GetFullPath(Path.Combine(settings.Out, ReportWriter.HtmlName)))}");
        return 0;
    }
}
