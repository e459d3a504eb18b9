using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using BoltzmannGen.Data;

namespace BoltzmannGen.Cli.Pipeline;

/// <summary>What the run folder remembers about one stage: the hash of its configuration and inputs, and how long it took.</summary>
public sealed record StageRecord(
    [property: JsonPropertyName("stage")] string Stage,
    [property: JsonPropertyName("hash")] string Hash,
    [property: JsonPropertyName("seconds")] double Seconds,
    [property: JsonPropertyName("finished_utc")] string? FinishedUtc)
{
    /// <summary>The Slurm job that ran the stage (`bgen run --executor slurm`), absent for a local run.</summary>
    [JsonPropertyName("slurm_job")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? SlurmJob { get; init; }

    /// <summary>
    /// When each stage this one read from had finished (their finished_utc) as this one started: a stage that ran
    /// again since (its outputs were lost, say) makes this one stale too, whatever the hashes say.
    /// </summary>
    [JsonPropertyName("inputs")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, string?>? Inputs { get; init; }
}

/// <summary>
/// The run folder's .stages/ ledger. A stage is skipped when its record says "finished" with the same hash; a
/// "started" record with the same hash means it was killed, so a resumable stage continues from its checkpoint;
/// any other hash means its outputs are stale and are removed before it runs again.
/// </summary>
public sealed class StageLedger(string runDirectory)
{
    /// <summary>The ledger's folder, .stages/ in the run folder (executors keep their own records there too).</summary>
    public string Folder => Path.Combine(runDirectory, ".stages");

    public static string Hash(params string[] parts)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\u001f", parts)));
        return Convert.ToHexStringLower(bytes)[..16];
    }

    public StageRecord? Finished(string stage) => ReadRecord(Path.Combine(Folder, stage + ".done.json"));

    public StageRecord? Started(string stage) => ReadRecord(Path.Combine(Folder, stage + ".started.json"));

    /// <param name="slurmJob">The Slurm job running the stage (its id, "123" or "123_4"), or null.</param>
    public void MarkStarted(string stage, string hash, string? slurmJob = null)
    {
        Directory.CreateDirectory(Folder);
        File.Delete(Path.Combine(Folder, stage + ".done.json"));
        Write(Path.Combine(Folder, stage + ".started.json"), new StageRecord(stage, hash, 0, null) { SlurmJob = slurmJob });
    }

    /// <param name="inputs">The finished_utc of each stage it read from, as it started (<see cref="StageRecord.Inputs"/>).</param>
    public void MarkFinished(string stage, string hash, double seconds, string? slurmJob = null, Dictionary<string, string?>? inputs = null)
    {
        Directory.CreateDirectory(Folder);
        Write(Path.Combine(Folder, stage + ".done.json"),
            new StageRecord(stage, hash, Math.Round(seconds, 1), DateTime.UtcNow.ToString("o")) { SlurmJob = slurmJob, Inputs = inputs });
        File.Delete(Path.Combine(Folder, stage + ".started.json"));
    }

    private static void Write(string path, StageRecord record) =>
        AtomicFile.Write(path, s => s.Write(JsonSerializer.SerializeToUtf8Bytes(record, new JsonSerializerOptions { WriteIndented = true })));

    private static StageRecord? ReadRecord(string path)
    {
        if (!File.Exists(path)) return null;
        try { return JsonSerializer.Deserialize<StageRecord>(File.ReadAllText(path)); }
        catch (JsonException) { return null; } // a damaged record only costs a rerun
    }
}
