using System.ComponentModel;
using BoltzmannGen.Reporting;
using Spectre.Console.Cli;
using Spectre.Console;

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
        var request = new ReportRequest(system, settings.Samples, settings.Reference, settings.Out, OutputPath.CommandLine(context), settings.Label,
                                        settings.Model, settings.ClipTop, settings.Bootstrap, settings.TorusPoints);
        var report = ReportGenerator.Run(request, (title, _, work) =>
            AnsiConsole.Status().Start(title, status => work(new SynchronousProgress<double>(value => { }))));

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
