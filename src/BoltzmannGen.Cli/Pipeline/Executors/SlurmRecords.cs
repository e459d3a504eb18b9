using System.Text.Json;
using System.Text.Json.Serialization;
using BoltzmannGen.Data;

namespace BoltzmannGen.Cli.Pipeline.Executors;

/// <summary>
/// The Slurm job a stage was last submitted as: <c>.stages/NAME.slurm.json</c> beside the stage's ledger records.
/// The ledger stays the truth about what is done; this record only says which job to ask Slurm about.
/// </summary>
public sealed record SlurmRecord(
    [property: JsonPropertyName("stage")] string Stage,
    [property: JsonPropertyName("hash")] string Hash,
    [property: JsonPropertyName("job")] string Job,
    [property: JsonPropertyName("after")] string[] After,
    [property: JsonPropertyName("log")] string Log,
    [property: JsonPropertyName("script")] string Script,
    [property: JsonPropertyName("submitted_utc")] string SubmittedUtc);

public static class SlurmRecords
{
    public static string PathOf(StageLedger ledger, string stage) => Path.Combine(ledger.Folder, stage + ".slurm.json");

    public static SlurmRecord? Read(StageLedger ledger, string stage)
    {
        string path = PathOf(ledger, stage);
        if (!File.Exists(path)) return null;
        try { return JsonSerializer.Deserialize<SlurmRecord>(File.ReadAllText(path)); }
        catch (JsonException) { return null; } // a damaged record only costs a resubmission
    }

    public static void Write(StageLedger ledger, SlurmRecord record)
    {
        Directory.CreateDirectory(ledger.Folder);
        AtomicFile.Write(PathOf(ledger, record.Stage),
            s => s.Write(JsonSerializer.SerializeToUtf8Bytes(record, new JsonSerializerOptions { WriteIndented = true })));
    }

    public static void Delete(StageLedger ledger, string stage) => File.Delete(PathOf(ledger, stage));

    /// <summary>The records of every stage that has one (any stage name: also stages a changed plan no longer has).</summary>
    public static IReadOnlyList<SlurmRecord> All(StageLedger ledger) =>
        Directory.Exists(ledger.Folder)
            ? Directory.GetFiles(ledger.Folder, "*.slurm.json").Order(StringComparer.Ordinal)
                .Select(f => Read(ledger, Path.GetFileName(f)[..^".slurm.json".Length])).OfType<SlurmRecord>().ToList()
            : [];

    /// <summary>
    /// Refuses, by stage and job, to let <paramref name="who"/> write a run folder while any of its Slurm jobs is
    /// queued or running (they would write it at the same time). Without squeue on the PATH nothing can be queued
    /// from here, and nothing is refused.
    /// </summary>
    public static void RefuseActiveJobs(RunPlan plan, SlurmClient slurm, string who)
    {
        var records = All(plan.Ledger);
        if (records.Count == 0 || !slurm.CanQuery) return;
        var states = slurm.States(records.Select(r => r.Job));
        var order = plan.Stages.Select(s => s.Name).ToList();
        var active = records.Where(r => states.TryGetValue(r.Job, out var s) && s.IsActive)
            .OrderBy(r => order.IndexOf(r.Stage) is var i and >= 0 ? i : int.MaxValue).ToList();
        if (active.Count == 0) return;
        throw new InputException($"{plan.RunDirectory} has Slurm jobs queued or running: " +
                                 string.Join(", ", active.Select(r => $"{r.Stage} (job {r.Job}, {states[r.Job].State.ToLowerInvariant()})")) +
                                 $"; {who} would write it at the same time. Wait for them (`bgen run --status --out {plan.RunDirectory}`), " +
                                 $"`scancel {string.Join(' ', active.Select(r => r.Job))}`, or rerun with --executor slurm.");
    }
}
