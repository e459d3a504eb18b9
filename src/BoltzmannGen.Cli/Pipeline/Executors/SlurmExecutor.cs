using BoltzmannGen.Cli.Commands;
using BoltzmannGen.Data;
using Spectre.Console;
using Spectre.Console.Cli;

namespace BoltzmannGen.Cli.Pipeline.Executors;

/// <summary>
/// `--executor slurm`: every unfinished stage becomes an sbatch job running `bgen run SAME OPTIONS --stage NAME`,
/// dependent (afterok) on the jobs of the unfinished stages it reads from; `bgen run` submits and returns.
/// <para>
/// Everything is checked before the first job is submitted: the Slurm commands on PATH, the partition, options a job
/// cannot honour (a GPU device without a GPU request; node-local paths on a cluster of several nodes), queued jobs
/// of the same run with other options, and `sbatch --test-only` of a real script (account, time, memory). Bad input
/// ends in one error line and submits nothing.
/// </para>
/// <para>
/// A rerun skips stages done in the ledger, keeps stages whose job is still queued or running (later jobs depend on
/// it), and submits the rest again: failed, cancelled, timed-out, or gone from Slurm without a done record.
/// </para>
/// </summary>
public static class SlurmExecutor
{
    /// <summary>How long the submitter waits for the run folder's lock (a stage job books its stage under it briefly).</summary>
    public static readonly TimeSpan LockWait = TimeSpan.FromSeconds(10);

    private static readonly string[] NodeLocal = ["/tmp/", "/var/tmp/", "/dev/shm/", "/run/"];

    /// <summary>What a rerun does with one stage.</summary>
    public enum Decision { Done, Queued, Submit }

    public sealed record Step(PipelineStage Stage, Decision Decision, string? Job, string? State);

    /// <param name="executable">The bgen the jobs run (this one).</param>
    /// <param name="workingDirectory">The jobs' working folder (relative overrides such as data=… are read from it).</param>
    public static int Submit(RunPlan plan, RunCommand.Settings settings, CommandContext context, SlurmClient slurm, string executable, string workingDirectory)
    {
        foreach (var tool in new[] { "sbatch", "squeue", "scontrol", "scancel" })
            if (slurm.Find(tool) is null)
                throw new InputException($"--executor slurm: {tool} is not on PATH; run on a Slurm login node (or load its module) — nothing was submitted.");
        var partition = CheckPartition(settings, slurm);
        CheckRemote(plan, settings, partition, executable);

        using var runLock = WriterLock.Acquire(plan.RunDirectory, OutputPath.CommandLine(context), LockWait);
        var steps = Decide(plan, slurm);
        var toSubmit = steps.Where(s => s.Decision == Decision.Submit).ToList();
        if (toSubmit.Count > 0)
        {
            // Account, QOS, time and memory limits: sbatch --test-only of a real job script, nothing queued.
            string probe = Path.Combine(Path.GetTempPath(), $"bgen-sbatch-test-{Environment.ProcessId}-{Guid.NewGuid():N}.sh");
            try
            {
                File.WriteAllText(probe, Script(plan, settings, toSubmit[0].Stage, executable, workingDirectory));
                if (slurm.TestSubmit(probe, []) is { } refusal)
                    throw new InputException($"--executor slurm: sbatch refuses the jobs: {refusal} — nothing was submitted.");
            }
            finally { File.Delete(probe); }
        }

        plan.WriteConfigs();
        Directory.CreateDirectory(Path.Combine(plan.FullRunDirectory, "logs"));
        var ledger = plan.Ledger;
        var jobs = steps.Where(s => s.Job is not null).ToDictionary(s => s.Stage.Name, s => s.Job!);
        var submitted = new List<(PipelineStage Stage, string Job, string[] After)>();
        Directory.CreateDirectory(ledger.Folder);
        try
        {
            // One job per stage; the stages of a group (independent MD runs) as the tasks of one array job.
            foreach (var batch in toSubmit.Select(s => s.Stage).GroupBy(s => s.Group ?? "\0" + s.Name))
            {
                var stages = batch.ToList();
                string? group = stages[0].Group;
                var after = stages.SelectMany(stage => After(plan, stage, jobs)).Distinct().ToArray();
                string name = group ?? stages[0].Name;
                string script = Path.Combine(ledger.Folder, name + ".sbatch");
                string text = group is null
                    ? Script(plan, settings, stages[0], executable, workingDirectory)
                    : SlurmScript.RenderArray(SlurmScript.Directives(settings, plan, group, workingDirectory, stages.Count), stages, plan, executable, settings);
                AtomicFile.WriteText(script, text);
                string job = slurm.Submit(script, after.Length > 0 ? [$"--dependency=afterok:{string.Join(':', after)}"] : []);
                for (int k = 0; k < stages.Count; k++)
                {
                    string id = group is null ? job : $"{job}_{k}";
                    jobs[stages[k].Name] = id;
                    submitted.Add((stages[k], id, after));
                    SlurmRecords.Write(ledger, new SlurmRecord(stages[k].Name, stages[k].Hash, id, after, SlurmScript.LogOf(plan, name, id), script,
                        DateTime.UtcNow.ToString("o")));
                }
            }
        }
        catch (InputException)
        {
            // All or nothing: what this invocation queued before the failure is cancelled and forgotten.
            slurm.Cancel(submitted.Select(s => s.Job.Split('_')[0]).Distinct());
            foreach (var s in submitted) SlurmRecords.Delete(ledger, s.Stage.Name);
            throw;
        }
        Print(plan, steps, submitted, partition);
        return 0;
    }

    /// <summary>The partition the jobs go to: the one named, or the cluster's default; refused by name when there is none.</summary>
    private static SlurmPartition CheckPartition(ExecutorSettings settings, SlurmClient slurm)
    {
        var partitions = slurm.Partitions();
        string known = partitions.Count == 0 ? "none" : string.Join(", ", partitions.Select(p => p.Name));
        if (settings.Partition is { } name)
            return partitions.FirstOrDefault(p => p.Name == name)
                   ?? throw new InputException($"--partition {name}: no such Slurm partition (partitions: {known}) — nothing was submitted.");
        return partitions.FirstOrDefault(p => p.IsDefault)
               ?? throw new InputException($"--executor slurm: the cluster has no default partition; choose one with --partition (partitions: {known}) — nothing was submitted.");
    }

    /// <summary>Options a job on a compute node could not honour.</summary>
    private static void CheckRemote(RunPlan plan, RunCommand.Settings settings, SlurmPartition partition, string executable)
    {
        if (plan.Config.Device.StartsWith("cuda", StringComparison.OrdinalIgnoreCase)
            && !settings.SbatchTokens.Any(t => t.StartsWith("--gres", StringComparison.Ordinal) || t.StartsWith("--gpus", StringComparison.Ordinal) || t.StartsWith("-G", StringComparison.Ordinal)))
            throw new InputException($"device {plan.Config.Device} with --executor slurm: the jobs get no GPU unless they ask for one; " +
                                     "add --sbatch-arg=--gres=gpu:1 (or --gpus=1) — nothing was submitted.");
        if (partition.Nodes <= 1) return; // one node: its /tmp is every job's /tmp
        var paths = new List<(string What, string Path)>
        {
            ("--out", plan.FullRunDirectory), ("the working folder", Environment.CurrentDirectory), ("the bgen executable", executable),
        };
        if (settings.Config is not null) paths.Add(("--config", Path.GetFullPath(settings.Config)));
        if (settings.ForceFields is not null) paths.Add(("--forcefields", Path.GetFullPath(settings.ForceFields)));
        if (plan.Config.Data.Length > 0) paths.Add(("data", Path.GetFullPath(plan.Config.Data)));
        foreach (var (what, path) in paths)
            if (NodeLocal.Any(prefix => (path + "/").StartsWith(prefix, StringComparison.Ordinal)))
                throw new InputException($"{what} {path} is on node-local storage, which the jobs on the {partition.Nodes} nodes of partition {partition.Name} " +
                                         "cannot see; use a shared file system — nothing was submitted.");
    }

    /// <summary>
    /// Done, still queued or running (kept), or to submit, for every stage; refuses (submitting nothing) when a queued
    /// or running job of this run was submitted with other options, since it would write the same outputs.
    /// </summary>
    public static IReadOnlyList<Step> Decide(RunPlan plan, SlurmClient slurm)
    {
        var ledger = plan.Ledger;
        var records = plan.Stages.ToDictionary(s => s.Name, s => SlurmRecords.Read(ledger, s.Name));
        var states = slurm.States(records.Values.OfType<SlurmRecord>().Select(r => r.Job));
        var steps = new List<Step>();
        var conflicts = new List<string>();
        var waitingForever = new List<string>();
        foreach (var stage in plan.Stages)
        {
            var record = records[stage.Name];
            var state = record is not null && states.TryGetValue(record.Job, out var s) ? s : null;
            if (plan.IsDone(stage)) steps.Add(new Step(stage, Decision.Done, null, null));
            else if (state is { IsActive: true } && record!.Hash == stage.Hash) steps.Add(new Step(stage, Decision.Queued, record.Job, state.State));
            else if (state is { IsActive: true }) conflicts.Add($"{stage.Name} (job {record!.Job}, {state.State})");
            else
            {
                if (state is { WaitsForever: true }) waitingForever.Add(record!.Job);
                steps.Add(new Step(stage, Decision.Submit, null, state?.State));
            }
        }
        // Records of stages this plan no longer has (another objective, fine-tuning switched off) may be running too.
        foreach (var record in SlurmRecords.All(ledger).Where(r => !records.ContainsKey(r.Stage)))
            if (slurm.States([record.Job]).TryGetValue(record.Job, out var s) && s.IsActive) conflicts.Add($"{record.Stage} (job {record.Job}, {s.State})");
        if (conflicts.Count > 0)
            throw new InputException($"{plan.RunDirectory} has Slurm jobs queued or running with other options: {string.Join(", ", conflicts)}; " +
                                     "wait for them or scancel them — nothing was submitted.");
        // Jobs that can never run (a dependency failed on a cluster that keeps such jobs): out of the queue before resubmitting.
        slurm.Cancel(waitingForever);
        return steps;
    }

    /// <summary>
    /// The jobs a stage's job waits for: those of the nearest unfinished stages it reads from, directly or through done
    /// stages (a done stage between two unfinished ones must not let the later start before the earlier ends).
    /// </summary>
    private static IEnumerable<string> After(RunPlan plan, PipelineStage stage, IReadOnlyDictionary<string, string> jobs)
    {
        foreach (var need in plan.Needs(stage))
        {
            if (jobs.TryGetValue(need.Name, out var job)) yield return job;
            else foreach (var further in After(plan, need, jobs)) yield return further;
        }
    }

    private static string Script(RunPlan plan, RunCommand.Settings settings, PipelineStage stage, string executable, string workingDirectory) =>
        SlurmScript.Render(SlurmScript.Directives(settings, plan, stage.Name, workingDirectory), stage, plan, executable,
            SlurmScript.JobArguments(settings, stage.Name));

    private static void Print(RunPlan plan, IReadOnlyList<Step> steps, List<(PipelineStage Stage, string Job, string[] After)> submitted, SlurmPartition partition)
    {
        var table = new Table().Title($"[bold]bgen run --executor slurm[/] — {Markup.Escape(plan.FullRunDirectory)}").AddColumns("stage", "job", "after", "");
        foreach (var step in steps)
        {
            var sub = submitted.FirstOrDefault(s => s.Stage.Name == step.Stage.Name);
            string job, after = "", what;
            if (sub.Job is not null) { job = sub.Job; after = string.Join(", ", sub.After); what = step.State is null ? "submitted" : $"submitted again (was {step.State.ToLowerInvariant()})"; }
            else if (step.Decision == Decision.Queued) { job = step.Job!; what = $"{step.State!.ToLowerInvariant()}, not submitted again"; }
            else { job = "—"; what = "done earlier, skipped"; }
            table.AddRow(Markup.Escape(step.Stage.Name), job, after, Markup.Escape(what));
        }
        AnsiConsole.Write(table);
        if (submitted.Count == 0) AnsiConsole.MarkupLine("Nothing submitted: every stage is done, queued or running.");
        else AnsiConsole.MarkupLine($"Submitted {submitted.Count} stage{(submitted.Count == 1 ? "" : "s")} to partition {Markup.Escape(partition.Name)}: " +
                                    $"{string.Join(" ", submitted.Select(s => s.Job))}. Logs: {Markup.Escape(Path.Combine(plan.FullRunDirectory, "logs"))}/");
        if (submitted.Any(s => s.Job.Contains('_')))
            AnsiConsole.MarkupLine("(ID_K is task K of array job ID: stages that need nothing of each other run side by side.)");
        AnsiConsole.MarkupLine($"Follow with `bgen run --status --out {Markup.Escape(plan.FullRunDirectory)}`; rerun this command to resubmit failed stages.");
    }
}
