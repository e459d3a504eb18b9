using System.Text.Json.Serialization;
using System.Text.Json;
using BoltzmannGen.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace BoltzmannGen.Optimisation;

/// <summary>
/// The averaged weights with the lowest validation score seen so far (early stopping without stopping): the
/// model folder's best/ holds them with the step and score, replaced as one folder whenever a validation beats
/// it, so a resumed run still knows its best. Longer training can overfit (validation NLL rises while the
/// training loss falls); keeping the best weights makes the number of steps a budget rather than a gamble.
/// </summary>
public sealed class BestWeights
{
    public const string FolderName = "best";
    private const string WeightsFile = "weights.dat", RecordFile = "best.json";

    private sealed record Record(
        [property: JsonPropertyName("step")] int Step,
        [property: JsonPropertyName("criterion")] string Criterion,
        [property: JsonPropertyName("score")] double Score,
        [property: JsonPropertyName("sha256")] string? Sha256 = null); // of weights.dat, checked before it is loaded

    private readonly string _folder;
    private Record? _best;

    private BestWeights(string folder, Record? best) => (_folder, _best) = (folder, best);

    /// <summary>The step whose weights are kept, or null before the first validation.</summary>
    public int? Step => _best?.Step;
    public string? Criterion => _best?.Criterion;
    public double? Score => _best?.Score;

    /// <summary>Opens the record of <paramref name="modelDirectory"/>: continued on resume, started afresh otherwise.</summary>
    public static BestWeights Open(string modelDirectory, bool resume)
    {
        string folder = Path.Combine(modelDirectory, FolderName);
        if (!resume)
        {
            foreach (var f in new[] { folder, folder + ".old", folder + ".new" })
                if (Directory.Exists(f)) Directory.Delete(f, true);
            return new BestWeights(folder, null);
        }
        string? found = AtomicFolder.Find(folder, RecordFile);
        if (found is null) return new BestWeights(folder, null);
        try
        {
            return new BestWeights(folder, JsonSerializer.Deserialize<Record>(File.ReadAllText(Path.Combine(found, RecordFile))));
        }
        catch (JsonException e)
        {
            throw new InputException($"{Path.Combine(found, RecordFile)} is damaged ({e.Message}); start again without --resume.", e);
        }
    }

    /// <summary>Keeps <paramref name="averaged"/> when <paramref name="score"/> (lower is better) beats the best so far.</summary>
    /// <returns>whether it did</returns>
    public bool Offer(int step, string criterion, double score, nn.Module averaged)
    {
        if (!double.IsFinite(score) || (_best is not null && score >= _best.Score)) return false;
        var record = new Record(step, criterion, score);
        AtomicFolder.Replace(_folder, fresh =>
        {
            averaged.save(Path.Combine(fresh, WeightsFile));
            record = record with { Sha256 = FileChecksum.Of(Path.Combine(fresh, WeightsFile)) };
            File.WriteAllText(Path.Combine(fresh, RecordFile), JsonSerializer.Serialize(record)); // last: marks it complete
        });
        _best = record;
        return true;
    }

    /// <summary>Loads the kept weights into <paramref name="module"/>; false when nothing was kept.</summary>
    public bool Restore(nn.Module module)
    {
        if (_best is null) return false;
        string folder = AtomicFolder.Find(_folder, RecordFile) ?? throw new InputException($"{_folder} is missing; start again without --resume.");
        // The record in memory is the one written with these weights, or the one read from disk on resume.
        FileChecksum.Verify(Path.Combine(folder, WeightsFile), _best.Sha256, Path.Combine(folder, RecordFile), "start again without --resume");
        ModuleWeights.Load(module, Path.Combine(folder, WeightsFile));
        return true;
    }
}
