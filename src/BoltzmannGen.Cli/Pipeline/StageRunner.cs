using System.Diagnostics;
using BoltzmannGen.Data;
using BoltzmannGen.Optimisation;
using Spectre.Console;
using Spectre.Console.Cli;

namespace BoltzmannGen.Cli.Pipeline;

/// <summary>What became of one stage.</summary>
public enum StageOutcome
{
    /// <summary>Done earlier with the same hash, outputs present: not run.</summary>
    Skipped,
    Ran,
    /// <summary>Stopped by Ctrl+C (exit code 130); rerunning continues it.</summary>
    Interrupted,
}

/// <summary>
/// Runs one stage through the run folder's ledger (docs/design.md §5.7), the same way for every executor: done with
/// the same hash and outputs present → skipped; started with the same hash and a checkpoint → continued with
/// --resume; otherwise its stale outputs are removed (under their writer locks) and it runs. While it runs, the stage
/// holds the lock of <c>RUN/.stages/NAME</c> (§5.8), so no two processes run the same stage of a run, whichever
/// executor started them.
/// </summary>
public sealed class StageRunner(RunPlan plan, CommandContext context)
{
    private readonly StageLedger _ledger = plan.Ledger;

    /// <summary>The Slurm job this process runs in ("123", or "123_4" for an array task), recorded in the ledger.</summary>
    public static string? SlurmJob =>
        Environment.GetEnvironmentVariable("SLURM_ARRAY_JOB_ID") is { Length: > 0 } array
        && Environment.GetEnvironmentVariable("SLURM_ARRAY_TASK_ID") is { Length: > 0 } task
            ? $"{array}_{task}"
            : Environment.GetEnvironmentVariable("SLURM_JOB_ID") is { Length: > 0 } job ? job : null;

    /// <param name="header">"stage 3/8: flow — …", printed as a rule (or as a grey line when skipped).</param>
    /// <param name="elapsed">Shown beside the header: the time since the run (or the job) began.</param>
    /// <param name="seconds">The stage's own wall time; for a skipped stage the recorded one.</param>
    public StageOutcome Run(PipelineStage stage, string header, TimeSpan elapsed, CancellationToken cancellation, out double seconds)
    {
        if (plan.IsDone(stage))
        {
            seconds = _ledger.Finished(stage.Name)!.Seconds;
            AnsiConsole.MarkupLine($"[grey]{Markup.Escape(header)}: done earlier ({seconds:F0} s), skipped[/]");
            return StageOutcome.Skipped;
        }
        Directory.CreateDirectory(_ledger.Folder);
        using var stageLock = OutputPath.Lock(Path.Combine(_ledger.Folder, stage.Name), context);
        AnsiConsole.Write(new Rule($"[bold]{Markup.Escape(header)}[/] [grey](elapsed {elapsed:hh\\:mm\\:ss})[/]").LeftJustified());
        bool resume = stage.Resumable && _ledger.Started(stage.Name)?.Hash == stage.Hash && HasCheckpoint(stage);
        var command = resume ? stage.Command.Resumed() : stage.Command;
        if (!resume) foreach (var output in stage.Outputs) Remove(output, context);
        // Outputs may lie in folders of the run that no command creates (shards/).
        foreach (var output in stage.Outputs) Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        // The stage's own command, whole on one line where output goes to a file (a Slurm job's log): copyable.
        if (Console.IsOutputRedirected) Console.WriteLine(command.CommandLine);
        else AnsiConsole.MarkupLine($"[grey]{Markup.Escape(command.CommandLine)}[/]");
        string? job = SlurmJob;
        var inputs = plan.Inputs(stage);
        _ledger.MarkStarted(stage.Name, stage.Hash, job);
        var clock = Stopwatch.StartNew();
        int code = Execute(stage, command, cancellation);
        seconds = clock.Elapsed.TotalSeconds;
        if (code == BgenApp.Interrupted) return StageOutcome.Interrupted;
        if (code != 0) throw new InputException($"stage {stage.Name} failed with exit code {code} (rerun `bgen run` with the same options to continue).");
        _ledger.MarkFinished(stage.Name, stage.Hash, seconds, job, inputs);
        return StageOutcome.Ran;
    }

    /// <summary>
    /// Runs a stage's command in this process. Bad input (InputException) ends the run, naming the stage. A resumable
    /// stage hit by TorchSharp's freed-Scalar race (<see cref="NativeFailureCause.FreedScalarRace"/>; training steps,
    /// validation, reflow chunks and sample batches run inside a FinalizerFence, which closes that window) continues
    /// from its last checkpoint, up to ten times, instead of losing the run.
    /// </summary>
    private static int Execute(PipelineStage stage, StageCommand command, CancellationToken cancellation)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return command.Execute(cancellation);
            }
            catch (InputException e)
            {
                throw new InputException($"stage {stage.Name} failed: {e.Message} (rerun `bgen run` with the same options to continue).", e);
            }
            catch (Exception e) when (stage.Resumable && attempt <= MaxRetries && NativeFailure.Classify(e) == NativeFailureCause.FreedScalarRace)
            {
                AnsiConsole.MarkupLine($"[yellow]stage {stage.Name}: libtorch reported a freed Scalar (a known TorchSharp race) {Markup.Escape(FirstFrame(e))}; " +
                                       $"continuing from the last checkpoint (attempt {attempt + 1}).[/]");
                // Continue from a checkpoint when one was written; before the first one, start the stage again.
                if (HasCheckpoint(stage)) command = stage.Command.Resumed();
                else
                {
                    command = stage.Command;
                    foreach (var output in stage.Outputs) Remove(output, null);
                }
            }
        }
    }

    private const int MaxRetries = 10;

    /// <summary>Where in managed code the native error surfaced ("in AdamW.step"), to tell the sites of the race apart.</summary>
    private static string FirstFrame(Exception e)
    {
        var frame = new StackTrace(e).GetFrames().FirstOrDefault(f => f.GetMethod()?.DeclaringType?.Namespace is { } ns && !ns.StartsWith("TorchSharp", StringComparison.Ordinal)
                                                                            && !ns.StartsWith("System", StringComparison.Ordinal));
        var method = frame?.GetMethod();
        return method is null ? "" : $"in {method.DeclaringType?.Name}.{method.Name}";
    }

    /// <summary>Whether a killed stage left something to continue from: a training checkpoint, MD's or reflow's .partial folder.</summary>
    public static bool HasCheckpoint(PipelineStage stage) =>
        stage.Outputs.Any(o => Directory.Exists(Path.Combine(o, "checkpoint")) || Directory.Exists(Path.Combine(o, ".partial")) || Directory.Exists(o + ".partial"));

    /// <summary>
    /// Deletes a stale stage output, under its writer lock when <paramref name="context"/> is given: an output another
    /// process is writing (a `bgen train --out` of the same folder) is refused by name, not deleted under it. The lock
    /// is released at once; the stage takes it again.
    /// </summary>
    private static void Remove(string path, CommandContext? context)
    {
        if (!File.Exists(path) && !Directory.Exists(path)) return;
        using var writer = context is null ? null : OutputPath.Lock(path, context);
        if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        else if (File.Exists(path)) File.Delete(path);
    }
}
