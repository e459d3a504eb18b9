using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json;
using BoltzmannGen.Coordinates;
using BoltzmannGen.Data;
using BoltzmannGen.Optimisation;
using BoltzmannGen.Systems;
using TorchSharp;
using static TorchSharp.torch;

namespace BoltzmannGen.Flows;

/// <summary>What a model folder's model.json says: enough to rebuild the network and use it.</summary>
public sealed record ModelInfo
{
    [JsonPropertyName("system")] public string System { get; init; } = "";
    [JsonPropertyName("atoms")] public int Atoms { get; init; }
    [JsonPropertyName("arch")] public string Arch { get; init; } = "";
    [JsonPropertyName("scale_nm")] public double Scale { get; init; }
    [JsonPropertyName("objective")] public string Objective { get; init; } = "";
    [JsonPropertyName("steps_trained")] public int StepsTrained { get; init; }
    [JsonPropertyName("training_seconds")] public double TrainingSeconds { get; init; }
    [JsonPropertyName("hyperparameters")] public FlowHyperparameters Hyperparameters { get; init; } = new();
    [JsonPropertyName("weights")] public string Weights { get; init; } = "exponential moving average";
    /// <summary>With keep: best, the step whose averaged weights were kept and their validation score (NLL per dof).</summary>
    [JsonPropertyName("kept_step")] public int? KeptStep { get; init; }
    [JsonPropertyName("kept_score")] public double? KeptScore { get; init; }
    /// <summary>cartesian (centred, scaled Cartesian flow coordinates) or internal (see <see cref="InternalCoordinateMap"/>).</summary>
    [JsonPropertyName("coordinates")] public string Coordinates { get; init; } = "cartesian";
    /// <summary>The fitted internal-coordinate map (Z-matrix and standardisation) when <see cref="Coordinates"/> is internal.</summary>
    [JsonPropertyName("internal_coordinates")] public JsonNode? InternalCoordinates { get; init; }

    /// <summary>Fine-tuned models: the model folder they started from, and the steps and seconds of fine-tuning alone
    /// (<see cref="TrainingSeconds"/> then counts both trainings).</summary>
    [JsonPropertyName("fine_tuned_from")] public string? FineTunedFrom { get; init; }
    [JsonPropertyName("fine_tune_steps")] public int? FineTuneSteps { get; init; }
    [JsonPropertyName("fine_tune_seconds")] public double? FineTuneSeconds { get; init; }
    /// <summary>Energy evaluations spent in training (fine-tuning's batches and validations); null for training on data alone.</summary>
    [JsonPropertyName("energy_evaluations")] public long? EnergyEvaluations { get; init; }
    /// <summary>sha256 of the folder's weights file (model.dat), written with it and checked before it is loaded.</summary>
    [JsonPropertyName("sha256")] public IReadOnlyDictionary<string, string>? Sha256 { get; init; }

    /// <summary>The internal-coordinate map this model was built with, or null for Cartesian flow coordinates.</summary>
    public InternalCoordinateMap? CoordinateMap() => BoltzmannGen.Coordinates.InternalCoordinateMap.FromSetting(Coordinates, InternalCoordinates);
}

/// <summary>
/// A trained model folder: model.json (architecture, normalisation), config.yaml (how it was trained),
/// model.dat (the averaged weights used for sampling), training_log.csv, and checkpoint/ while training.
/// model.json carries the sha256 of model.dat; a model whose weights do not match it is refused (<see cref="FileChecksum"/>).
/// </summary>
public static class ModelDirectory
{
    public const string InfoFile = "model.json";
    public const string WeightsFile = "model.dat";
    public const string ConfigFile = TrainingFolder.ConfigFile;
    public const string LogFile = TrainingFolder.LogFile;
    public const string CheckpointFolder = TrainingFolder.CheckpointFolder;

    /// <summary>What a damaged or unverifiable model file's message suggests.</summary>
    public const string Remedy = "restore the folder from a copy or train the model again";

    public static BoltzmannFlow Build(ModelInfo info) =>
        BoltzmannFlow.Create(info.Atoms, info.Scale, info.Arch, info.Hyperparameters, info.CoordinateMap());

    /// <summary>Writes model.dat, then model.json with its checksum (model.json last: it marks the folder complete).</summary>
    public static void Save(string directory, ModelInfo info, BoltzmannFlow averaged)
    {
        Directory.CreateDirectory(directory);
        string checksum = ModuleWeights.Save(averaged, Path.Combine(directory, WeightsFile));
        var json = JsonSerializer.SerializeToUtf8Bytes(info with { Sha256 = new Dictionary<string, string> { [WeightsFile] = checksum } },
                                                       new JsonSerializerOptions { WriteIndented = true });
        AtomicFile.Write(Path.Combine(directory, InfoFile), s => s.Write(json));
    }

    /// <summary>A model folder's model.json; a missing folder or file, or invalid JSON, is named (with the <paramref name="option"/> that gave the folder).</summary>
    public static ModelInfo ReadInfo(string directory, string option = "--model")
    {
        string infoPath = Path.Combine(directory, InfoFile);
        if (!Directory.Exists(directory)) throw new InputException($"{option} {directory}: folder not found.");
        if (!File.Exists(infoPath)) throw new InputException($"{option} {directory}: {InfoFile} is missing (not a trained model folder, or training has not finished).");
        try
        {
            return JsonSerializer.Deserialize<ModelInfo>(File.ReadAllText(infoPath)) ?? throw new JsonException("empty");
        }
        catch (JsonException e)
        {
            throw new InputException($"{infoPath} is not valid: {e.Message}", e);
        }
    }

    /// <summary>
    /// The system model.json names, from <paramref name="catalog"/> (default: the repository's), or null when the catalog
    /// does not know it. A system whose atom count is not the model's is refused: model.json was edited or damaged, and
    /// samples of the model would go out under another system's name (issue 20, item 9: `sample` crashed after writing them).
    /// </summary>
    public static PeptideSystem? SystemOf(string directory, ModelInfo info, SystemCatalog? catalog = null)
    {
        PeptideSystem system;
        try { system = (catalog ?? SystemCatalog.Default()).Get(info.System); }
        catch (InputException) { return null; }
        if (system.AtomCount != info.Atoms)
            throw new InputException($"{Path.Combine(directory, InfoFile)} names system {info.System} ({system.AtomCount} atoms), but the model has {info.Atoms} atoms: " +
                                     $"the file was changed or damaged; {Remedy}.");
        return system;
    }

    /// <summary>Loads a trained model; a missing folder, file, damaged weights or a checksum mismatch are named.</summary>
    public static (BoltzmannFlow Model, ModelInfo Info) Load(string directory, Device? device = null, string option = "--model")
    {
        string infoPath = Path.Combine(directory, InfoFile);
        var info = ReadInfo(directory, option);
        string weights = Path.Combine(directory, WeightsFile);
        FileChecksum.Verify(weights, info.Sha256?.GetValueOrDefault(WeightsFile), infoPath, Remedy);
        BoltzmannFlow model;
        try
        {
            model = Build(info);
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException)
        {
            throw new InputException($"{infoPath}: {InputException.Plain(e)}", e);
        }
        ModuleWeights.Load(model, weights);
        if (device is not null) model.to(device);
        model.eval();
        return (model, info);
    }
}
