using System.Globalization;
using Spectre.Console;

namespace BoltzmannGen.Cli.Pipeline.Executors;

/// <summary>
/// `bgen run --status`: each planned stage's state from the ledger and, for a stage submitted to Slurm, its job —
/// done, running, pending (and why), failed or cancelled (and the last lines of its log), not started, or stale
/// (done or submitted with other options). Reads only; takes no lock.
/// </summary>
public static class RunStatus
{
    public const int LogLines = 8;

    public sealed record Row(string Stage, string State, string Job, string Detail, string? Log);

    public static IReadOnlyList<Row> Rows(RunPlan plan, SlurmClient slurm)
    {
        var ledger = plan.Ledger;
        var records = plan.Stages.ToDictionary(s => s.Name, s => SlurmRecords.Read(ledger, s.Name));
        var states = slurm.CanQuery ? slurm.States(records.Values.OfType<SlurmRecord>().Select(r => r.Job)) : new Dictionary<string, SlurmJobState>();
        var rows = new List<Row>();
        foreach (var stage in plan.Stages)
        {
            var done = ledger.Finished(stage.Name);
            var started = ledger.Started(stage.Name);
            var record = records[stage.Name];
            var job = record is not null && states.TryGetValue(record.Job, out var s) ? s : null;
            string? log = record is not null && File.Exists(record.Log) ? record.Log : null;
            if (plan.IsDone(stage))
            {
                string when = done!.FinishedUtc is { } utc && DateTime.TryParse(utc, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var t)
                    ? $", finished {t.ToLocalTime():yyyy-MM-dd HH:mm:ss}" : "";
                rows.Add(new Row(stage.Name, "done", done.SlurmJob ?? "—", $"{done.Seconds:F0} s{when}", null));
            }
            else if (record is not null && record.Hash != stage.Hash)
                rows.Add(new Row(stage.Name, "stale", record.Job, $"submitted with other options{(job is null ? "" : $" ({job.State.ToLowerInvariant()})")}", null));
            else if (job is { WaitsForever: true } || job is { State: "CANCELLED", Reason: "DependencyNeverSatisfied" })
                rows.Add(new Row(stage.Name, "cancelled", record!.Job, $"never ran: a stage it needs did not finish ({Needed(plan, stage, records, states)})", null));
            else if (job is { IsActive: true } && job.State == "PENDING")
                rows.Add(new Row(stage.Name, "pending", record!.Job, $"waiting: {Reason(job.Reason)}", null));
            else if (job is { IsActive: true })
                rows.Add(new Row(stage.Name, job.State == "RUNNING" ? "running" : job.State.ToLowerInvariant(), record!.Job,
                    $"for {job.Elapsed}{(log is null ? "" : ": " + LastLine(log))}", null));
            else if (record is not null)
            {
                string how = job is null ? "ended without finishing the stage (Slurm no longer knows the job)"
                    : job.State == "COMPLETED" ? "completed without finishing the stage"
                    : job.State == "CANCELLED" ? "cancelled (scancel, or the cluster) before the stage finished"
                    : $"{job.State.ToLowerInvariant()}{(slurm.ExitOf(record.Job) is { } exit ? $" ({exit})" : job.Reason is "None" or "" ? "" : $" ({job.Reason})")}";
                rows.Add(new Row(stage.Name, job?.State == "CANCELLED" ? "cancelled" : "failed", record.Job, how, log));
            }
            else if (started is not null && started.Hash == stage.Hash)
                rows.Add(new Row(stage.Name, "started", started.SlurmJob ?? "—", "started, not finished (running, or killed: a rerun continues it)", null));
            else if (done is not null)
                rows.Add(new Row(stage.Name, "stale", done.SlurmJob ?? "—", "done with other options", null));
            else rows.Add(new Row(stage.Name, "not started", "—", "", null));
        }
        return rows;
    }

    public static int Show(RunPlan plan, SlurmClient slurm)
    {
        var rows = Rows(plan, slurm);
        var table = new Table().Title($"[bold]bgen run --status[/] — {Markup.Escape(plan.FullRunDirectory)}").AddColumns("stage", "state", "job", "");
        foreach (var row in rows)
            table.AddRow(Markup.Escape(row.Stage), Colour(row.State), Markup.Escape(row.Job), Markup.Escape(row.Detail));
        AnsiConsole.Write(table);
        if (!slurm.CanQuery && rows.Any(r => r.Job != "—" && r.State is not "done"))
            AnsiConsole.MarkupLine("[yellow]squeue is not on PATH: the states of Slurm jobs are not known here.[/]");
        foreach (var row in rows.Where(r => r.Log is not null))
        {
            AnsiConsole.MarkupLine($"[bold]{Markup.Escape(row.Stage)}[/]: the last lines of {Markup.Escape(row.Log!)}:");
            // As the log has them, unwrapped (Spectre wraps at 80 columns when output is redirected).
            foreach (var line in Tail(row.Log!, LogLines)) Console.Out.WriteLine("  " + line);
        }
        return 0;
    }

    /// <summary>The stages <paramref name="stage"/> waits for that failed or were cancelled, with their jobs.</summary>
    private static string Needed(RunPlan plan, PipelineStage stage, Dictionary<string, SlurmRecord?> records, IReadOnlyDictionary<string, SlurmJobState> states)
    {
        var failed = new List<string>();
        void Walk(PipelineStage s)
        {
            foreach (var need in plan.Needs(s))
            {
                if (records[need.Name] is { } r && states.TryGetValue(r.Job, out var j) && !j.IsActive && j.State != "COMPLETED" && j.Reason != "DependencyNeverSatisfied")
                    failed.Add($"{need.Name}, job {r.Job} {j.State.ToLowerInvariant()}");
                else Walk(need);
            }
        }
        Walk(stage);
        return failed.Count > 0 ? string.Join("; ", failed.Distinct()) : "see the stages before it";
    }

    private static string Reason(string reason) => reason switch
    {
        "Dependency" => "for the stages before it",
        "Resources" => "for free CPUs or memory",
        "Priority" => "for jobs of higher priority",
        "None" or "" => "to be scheduled",
        _ => reason,
    };

    private static string Colour(string state) => state switch
    {
        "done" => "[green]done[/]",
        "running" => "[blue]running[/]",
        "pending" => "[grey]pending[/]",
        "failed" or "cancelled" => $"[red]{state}[/]",
        _ => Markup.Escape(state),
    };

    public static IReadOnlyList<string> Tail(string path, int lines)
    {
        try
        {
            // Progress bars rewrite their line with \r: keep what a terminal would show last.
            // Lines end at \n only (ReadAllLines would end them at \r as well).
            return File.ReadAllText(path).Split('\n')
                .Select(l => System.Text.RegularExpressions.Regex.Replace(l, "\u001b\\[[0-9;?]*[A-Za-z]", ""))
                .Select(l => l.Split('\r').LastOrDefault(p => p.Trim().Length > 0) ?? "")
                .Where(l => l.Trim().Length > 0).TakeLast(lines).ToList();
        }
        catch (IOException) { return []; }
    }

    private static string LastLine(string path) => Tail(path, 1) is [var line] ? (line.Length > 100 ? line[..100] + "…" : line) : "";
}
