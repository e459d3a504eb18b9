using System.Diagnostics;
using BoltzmannGen.Data;
using Spectre.Console;
using Spectre.Console.Cli;

namespace BoltzmannGen.Cli.Pipeline.Executors;

/// <summary>
/// `bgen run … --stage NAME`: exactly one planned stage, through the same ledger logic as a whole run (skipped when
/// done with the same hash, resumed from its checkpoint when started, marked started and done). Each Slurm job runs
/// this. It holds the run folder's writer lock only while it books the stage (writing the run's configs, checking
/// that the stages it needs are done), waiting for it up to <see cref="LockWait"/> (the submitting `bgen run` or a
/// sibling job may hold it a moment); while the stage runs it holds the stage's own lock and its outputs' locks.
/// </summary>
public static class StageJob
{
    public static readonly TimeSpan LockWait = TimeSpan.FromMinutes(2);

    public static int Run(RunPlan plan, string name, CommandContext context, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        var stage = plan.Stage(name);
        string? job = StageRunner.SlurmJob;
        using (WriterLock.Acquire(plan.RunDirectory, OutputPath.CommandLine(context), LockWait))
        {
            plan.WriteConfigs();
            var missing = plan.Needs(stage).Where(need => !plan.IsDone(need)).Select(need => need.Name).ToList();
            if (missing.Count > 0)
                throw new InputException($"stage {name} needs {string.Join(", ", missing)}, not done (for these options) in {plan.RunDirectory}; " +
                                         "run the whole `bgen run`, or those stages first.");
        }
        int index = plan.Stages.ToList().IndexOf(stage);
        string header = $"stage {index + 1}/{plan.Stages.Count}: {stage.Name} — {stage.Description}{(job is null ? "" : $" (Slurm job {job})")}";
        switch (new StageRunner(plan, context).Run(stage, header, clock.Elapsed, cancellation, out double seconds))
        {
            case StageOutcome.Interrupted:
                AnsiConsole.MarkupLine($"[yellow]stopped in stage {Markup.Escape(name)}; rerun it to continue.[/]");
                return BgenApp.Interrupted;
            case StageOutcome.Ran:
                AnsiConsole.MarkupLine($"[green]stage {Markup.Escape(name)} done in {seconds:F0} s.[/]");
                break;
        }
        return 0;
    }
}
