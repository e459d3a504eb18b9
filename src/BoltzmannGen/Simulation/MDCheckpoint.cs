using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Serialization;
using BoltzmannGen.Data;

namespace BoltzmannGen.Simulation;

/// <summary>
/// Everything a killed run needs to continue exactly: how far it got, the exchange counters and random state,
/// and OpenMM's own checkpoint of every replica (positions, velocities, step count, integrator random state).
/// One zip file, written atomically: a kill during writing leaves the previous checkpoint intact.
/// </summary>
public sealed class MDCheckpoint
{
    public sealed record Progress
    {
        [JsonPropertyName("equilibrated")] public bool Equilibrated { get; init; }
        [JsonPropertyName("segments_done")] public long SegmentsDone { get; init; }
        [JsonPropertyName("wall_seconds")] public double WallSeconds { get; init; }
        [JsonPropertyName("random_state")] public ulong[] RandomState { get; init; } = [];
        [JsonPropertyName("exchange_rounds")] public long[] ExchangeRounds { get; init; } = [];
        [JsonPropertyName("exchange_attempts")] public long[][] ExchangeAttempts { get; init; } = [];
        [JsonPropertyName("exchange_accepted")] public long[][] ExchangeAccepted { get; init; } = [];
    }

    public MDCheckpoint(Progress progress, byte[][][] replicas)
    {
        State = progress;
        Replicas = replicas;
    }

    public Progress State { get; }

    /// <summary>[ladder][rung] OpenMM checkpoint blobs.</summary>
    public byte[][][] Replicas { get; }

    public void Write(string path) =>
        AtomicFile.Write(path, stream =>
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            using (var entry = zip.CreateEntry("progress.json").Open())
                JsonSerializer.Serialize(entry, State, new JsonSerializerOptions { WriteIndented = true });
            for (int l = 0; l < Replicas.Length; l++)
            for (int k = 0; k < Replicas[l].Length; k++)
            {
                using var entry = zip.CreateEntry($"replica-{l}-{k}.openmm").Open();
                entry.Write(Replicas[l][k]);
            }
        });

    /// <summary>Reads a checkpoint for <paramref name="ladders"/> × <paramref name="rungs"/> replicas; a damaged file is an InputException.</summary>
    public static MDCheckpoint Read(string path, int ladders, int rungs)
    {
        try
        {
            using var zip = ZipFile.OpenRead(path);
            var progressEntry = zip.GetEntry("progress.json") ?? throw new InvalidDataException("no progress.json entry");
            Progress? progress;
            using (var s = progressEntry.Open()) progress = JsonSerializer.Deserialize<Progress>(s);
            if (progress is null || progress.RandomState.Length != 4 || progress.ExchangeRounds.Length != ladders)
                throw new InvalidDataException("progress.json does not describe this run");
            var replicas = new byte[ladders][][];
            for (int l = 0; l < ladders; l++)
            {
                replicas[l] = new byte[rungs][];
                for (int k = 0; k < rungs; k++)
                {
                    var entry = zip.GetEntry($"replica-{l}-{k}.openmm") ?? throw new InvalidDataException($"replica {l}/{k} is missing");
                    using var s = entry.Open();
                    using var buffer = new MemoryStream();
                    s.CopyTo(buffer);
                    replicas[l][k] = buffer.ToArray();
                }
            }
            return new MDCheckpoint(progress, replicas);
        }
        catch (Exception e) when (e is InvalidDataException or JsonException or IOException)
        {
            throw new InputException($"checkpoint {path} is damaged ({e.Message}); delete the run's .partial folder to start over.", e);
        }
    }
}
