using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json;
using BoltzmannGen.Data;
using BoltzmannGen.Flows;
using BoltzmannGen.Optimisation;
using BoltzmannGen.Systems;
using BoltzmannGen.Teacher.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace BoltzmannGen.Teacher;

/// <summary>What a teacher folder's teacher.json says: enough to rebuild the network and sample from it.</summary>
public sealed record TeacherInfo
{
    [JsonPropertyName("system")] public string System { get; init; } = "";
    [JsonPropertyName("atoms")] public int Atoms { get; init; }
    [JsonPropertyName("net")] public string Net { get; init; } = "";
    [JsonPropertyName("scale_nm")] public double Scale { get; init; }
    [JsonPropertyName("coupling")] public string Coupling { get; init; } = "";
    [JsonPropertyName("steps_trained")] public int StepsTrained { get; init; }
    [JsonPropertyName("training_seconds")] public double TrainingSeconds { get; init; }
    [JsonPropertyName("parameters")] public long Parameters { get; init; }
    [JsonPropertyName("hyperparameters")] public VelocityHyperparameters Hyperparameters { get; init; } = new();
    [JsonPropertyName("weights")] public string Weights { get; init; } = "exponential moving average";
    /// <summary>cartesian or internal (the data side of the CNF; see <see cref="TeacherModel"/>).</summary>
    [JsonPropertyName("coordinates")] public string Coordinates { get; init; } = "cartesian";
    [JsonPropertyName("internal_coordinates")] public JsonNode? InternalCoordinates { get; init; }
    /// <summary>sha256 of the folder's weights file (model.dat), written with it and checked before it is loaded.</summary>
    [JsonPropertyName("sha256")] public IReadOnlyDictionary<string, string>? Sha256 { get; init; }

    /// <summary>The fitted internal-coordinate map, or null for Cartesian coordinates.</summary>
    public Coordinates.InternalCoordinateMap? CoordinateMap()
    {
        try { return BoltzmannGen.Coordinates.InternalCoordinateMap.FromSetting(Coordinates, InternalCoordinates); }
        catch (InvalidDataException e) { throw new InputException($"teacher {e.Message}", e); }
    }
}

/// <summary>
/// A trained teacher folder: teacher.json, config.yaml (how it was trained), model.dat (averaged weights),
/// training_log.csv and checkpoint/ while training. The atom features come from the system's topology, which is
/// why loading needs the system. teacher.json carries the sha256 of model.dat, checked before it is loaded.
/// </summary>
public static class TeacherDirectory
{
    public const string InfoFile = "teacher.json";

    /// <summary>What a damaged or unverifiable teacher file's message suggests.</summary>
    public const string Remedy = "restore the folder from a copy or train the teacher again";

    public static TeacherModel Build(TeacherInfo info, Topology topology)
    {
        var features = AtomFeatures.FromTopology(topology);
        if (features.AtomCount != info.Atoms)
            throw new InputException($"the teacher has {info.Atoms} atoms but system {info.System} has {features.AtomCount}.");
        // Initial weights come from the hyperparameters' seed (the networks never touch torch's global generator).
        return new TeacherModel(VelocityNetworks.Create(info.Net, features, info.Hyperparameters), info.Scale, info.CoordinateMap());
    }

    public static void Save(string directory, TeacherInfo info, TeacherModel averaged)
    {
        Directory.CreateDirectory(directory);
        string checksum = ModuleWeights.Save(averaged, Path.Combine(directory, ModelDirectory.WeightsFile));
        var json = JsonSerializer.SerializeToUtf8Bytes(info with { Sha256 = new Dictionary<string, string> { [ModelDirectory.WeightsFile] = checksum } },
                                                       new JsonSerializerOptions { WriteIndented = true });
        AtomicFile.Write(Path.Combine(directory, InfoFile), s => s.Write(json));
    }

    /// <param name="option">the option that named the folder, for messages (`bgen teacher sample` calls it --model)</param>
    public static TeacherInfo ReadInfo(string directory, string option = "--teacher")
    {
        string infoPath = Path.Combine(directory, InfoFile);
        if (!Directory.Exists(directory)) throw new InputException($"{option} {directory}: folder not found.");
        if (!File.Exists(infoPath))
            throw new InputException(File.Exists(Path.Combine(directory, ModelDirectory.InfoFile))
                ? $"{option} {directory} is a flow model folder ({ModelDirectory.InfoFile}), not a teacher folder ({InfoFile}); sample a flow with `bgen sample`."
                : $"{option} {directory}: {InfoFile} is missing (not a teacher folder, or training has not finished).");
        try
        {
            return JsonSerializer.Deserialize<TeacherInfo>(File.ReadAllText(infoPath)) ?? throw new JsonException("empty");
        }
        catch (JsonException e)
        {
            throw new InputException($"{infoPath} is not valid: {e.Message}", e);
        }
    }

    /// <summary>Loads a trained teacher of <paramref name="system"/>; a teacher of another system is refused by name.</summary>
    public static (TeacherModel Model, TeacherInfo Info) Load(string directory, PeptideSystem system, Device? device = null, string option = "--teacher")
    {
        var info = ReadInfo(directory, option);
        if (info.System == system.Name && info.Atoms != system.AtomCount) // teacher.json edited or damaged
            throw new InputException($"{Path.Combine(directory, InfoFile)} names system {info.System} ({system.AtomCount} atoms), but the teacher has {info.Atoms} atoms: " +
                                     $"the file was changed or damaged; {Remedy}.");
        if (info.System != system.Name || info.Atoms != system.AtomCount)
            throw new InputException($"{option} {directory} was trained for {info.System} ({info.Atoms} atoms), not {system.Name} ({system.AtomCount} atoms).");
        string weights = Path.Combine(directory, ModelDirectory.WeightsFile);
        FileChecksum.Verify(weights, info.Sha256?.GetValueOrDefault(ModelDirectory.WeightsFile), Path.Combine(directory, InfoFile), Remedy);
        TeacherModel model;
        try { model = Build(info, system.Topology); }
        catch (ArgumentException e) { throw InputException.From(e, $"{Path.Combine(directory, InfoFile)}: "); }
        ModuleWeights.Load(model, weights);
        if (device is not null) model.to(device);
        model.eval();
        return (model, info);
    }
}
