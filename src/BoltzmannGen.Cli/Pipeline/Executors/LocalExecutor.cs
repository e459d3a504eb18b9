using System.Diagnostics;
using Spectre.Console;
using Spectre.Console.Cli;

namespace BoltzmannGen.Cli.Pipeline.Executors;

/// <summary>
/// `--executor local` (the default): every stage in this process, one after the other, while this process holds the
/// run folder's writer lock (the caller takes it). A folder whose stages are Slurm jobs still queued or running is
/// refused by name, so a local run and a Slurm run never write one folder at once.
/// </summary>
public static class LocalExecutor
{
    /// <param name="times">Receives each stage's wall time and what became of it, for the run's summary.</param>
    /// <returns>0, or 130 when stopped by Ctrl+C (a failed stage throws)</returns>
    public static int Run(RunPlan plan, CommandContext context, SlurmClient slurm, Stopwatch clock,
        List<(string Stage, double Seconds, string State)> times, CancellationToken cancellation)
    {
        SlurmRecords.RefuseActiveJobs(plan, slurm, "a local `bgen run`");
        plan.WriteConfigs();
        var runner = new StageRunner(plan, context);
        var stages = plan.Stages;
        for (int k = 0; k < stages.Count; k++)
        {
            var stage = stages[k];
            cancellation.ThrowIfCancellationRequested();
            string header = $"stage {k + 1}/{stages.Count}: {stage.Name} — {stage.Description}";
            switch (runner.Run(stage, header, clock.Elapsed, cancellation, out double seconds))
            {
                case StageOutcome.Skipped:
                    times.Add((stage.Name, seconds, "skipped (done earlier)"));
                    break;
                case StageOutcome.Interrupted:
                    AnsiConsole.MarkupLine($"[yellow]stopped in stage {Markup.Escape(stage.Name)}; rerun the same `bgen run` command to continue.[/]");
                    return BgenApp.Interrupted;
                default:
                    times.Add((stage.Name, seconds, "ran"));
                    break;
            }
        }
        return 0;
    }
}
