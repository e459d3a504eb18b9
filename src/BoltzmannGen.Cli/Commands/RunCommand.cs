using System.ComponentModel;
using System.Diagnostics;
using BoltzmannGen.Cli.Pipeline;
using BoltzmannGen.Cli.Pipeline.Executors;
using BoltzmannGen.Reporting;
using Spectre.Console;
using Spectre.Console.Cli;

namespace BoltzmannGen.Cli.Commands;

/// <summary>
/// `bgen run`: from MD data to a report in one command. Each stage is a bgen command, run in this process
/// (`--executor local`) or as a Slurm job (`--executor slurm`, Pipeline/Executors/); a stage whose outputs exist for
/// the same configuration is skipped, a killed one continues from its checkpoint.
/// </summary>
public sealed class RunCommand : Command<RunCommand.Settings>
{
    public sealed class Settings : ExecutorSettings
    {
        [CommandOption("--system <NAME>")]
        [Description("Peptide system (overrides the preset's system), e.g. aldp, al3, al4.")]
        public string? System { get; init; }

        [CommandOption("--preset <NAME>")]
        [Description("A preset in configs/presets: quick (default, ≤ 15 min for aldp on 2 cores), full (the quality run), smoke (CI).")]
        [DefaultValue("quick")]
        public string Preset { get; init; } = "quick";

        [CommandOption("--config <FILE>")]
        [Description("A run config (same shape as the presets); replaces the preset.")]
        public string? Config { get; init; }

        [CommandOption("-o|--out <DIR>")]
        [Description("Run folder (default runs/<system>-<preset>).")]
        public string? Out { get; init; }

        [CommandOption("--objective <NAME>")]
        [Description("fort or mle (sets flow.objective).")]
        public string? Objective { get; init; }

        [CommandOption("--arch <NAME>")]
        [Description("nsf, resnvp or tarflow (sets flow.arch).")]
        public string? Arch { get; init; }

        [CommandOption("--forcefields <DIR>")]
        [Description("Folder of system folders (default: the repository's forcefields/).")]
        public string? ForceFields { get; init; }

        [CommandArgument(0, "[KEY=VALUE]")]
        [Description("Overrides of any stage's option, e.g. flow.steps=2000 targets.pairs=50000 sample.n=50000.")]
        public string[] Overrides { get; init; } = [];
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var plan = RunPlan.Create(settings);
        var slurm = new SlurmClient();
        if (settings.Status) return RunStatus.Show(plan, slurm);
        if (settings.Stage is not null) return StageJob.Run(plan, settings.Stage, context, cancellationToken);
        if (settings.IsSlurm) return SlurmExecutor.Submit(plan, settings, context, slurm, BgenExecutable.Path, Environment.CurrentDirectory);

        string run = plan.RunDirectory;
        // Queued or running Slurm jobs are named before the lock is taken: a job booking its stage holds the run
        // folder's lock for a moment, and the refusal should say why, not only that the folder is busy.
        SlurmRecords.RefuseActiveJobs(plan, slurm, "a local `bgen run`");
        // The run folder's writer lock; each stage takes its own output's as well (locks are per path).
        using var writer = OutputPath.Lock(run, context);
        var clock = Stopwatch.StartNew();
        var times = new List<(string Stage, double Seconds, string State)>();
        int code = LocalExecutor.Run(plan, context, slurm, clock, times, cancellationToken);
        if (code != 0) return code;
        PrintSummary(run, times, clock.Elapsed.TotalSeconds);
        return 0;
    }

    /// <summary>The figures a user came for, read back from report.json (each metric's summary rows), and the wall time of every stage.</summary>
    private static void PrintSummary(string run, List<(string Stage, double Seconds, string State)> times, double total)
    {
        var table = new Table().Title("[bold]bgen run — summary[/]").AddColumns("", "value");
        string reportJson = Path.Combine(run, "report", "report.json");
        if (File.Exists(reportJson))
            foreach (var row in RunReport.Read(reportJson).SummaryRows()) table.AddRow(Markup.Escape(row.Label), Markup.Escape(row.Value));
        foreach (var (stage, seconds, state) in times) table.AddRow($"time: {stage}", $"{seconds:F0} s ({state})");
        table.AddRow("time: this invocation", $"{total:F0} s");
        AnsiConsole.Write(table);
        string html = Path.Combine(run, "report", "report.html");
        AnsiConsole.MarkupLine($"[bold green]Report:[/] {Markup.Escape(Path.GetFullPath(html))}");
    }

}
