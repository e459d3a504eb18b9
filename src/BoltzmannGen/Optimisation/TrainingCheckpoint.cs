using System.Text.Json.Serialization;
using System.Text.Json;
using BoltzmannGen.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace BoltzmannGen.Optimisation;

/// <summary>
/// Everything needed to continue training exactly: weights, averaged weights, optimiser state (AdamW moments),
/// step, and the random generator, in a folder replaced as one (<see cref="AtomicFolder"/>): a kill at any
/// moment leaves one complete checkpoint.
/// </summary>
public static class TrainingCheckpoint
{
    private sealed record State(
        [property: JsonPropertyName("step")] int Step,
        [property: JsonPropertyName("generator_state")] string GeneratorState,
        [property: JsonPropertyName("elapsed_seconds")] double ElapsedSeconds,
        [property: JsonPropertyName("config")] string ConfigYaml);

    /// <param name="configYaml">the configuration the run was started with; a resume with another one is refused</param>
    /// <param name="scratch">a second instance of the model's architecture, used to hold the averaged weights</param>
    public static void Write(string modelDirectory, int step, double elapsedSeconds, string configYaml,
                             nn.Module model, ExponentialMovingAverage ema, nn.Module scratch,
                             TorchSharp.Modules.AdamW optimizer, Generator generator)
    {
        AtomicFolder.Replace(Path.Combine(modelDirectory, TrainingFolder.CheckpointFolder), fresh =>
        {
            model.save(Path.Combine(fresh, "model.dat"));
            ema.CopyTo(scratch);
            scratch.save(Path.Combine(fresh, "ema.dat"));
            optimizer.save_state_dict(Path.Combine(fresh, "optimizer.dat"));
            using var g = generator.get_state();
            var state = new State(step, Convert.ToBase64String(g.data<byte>().ToArray()), elapsedSeconds, configYaml);
            File.WriteAllText(Path.Combine(fresh, "state.json"), JsonSerializer.Serialize(state));
        });
    }

    public static bool Exists(string modelDirectory) => Find(modelDirectory) is not null;

    /// <summary>The step of the folder's checkpoint, or null without one (logs kept beside it are cut there on resume).</summary>
    public static int? StepOf(string modelDirectory)
    {
        if (Find(modelDirectory) is not { } folder) return null;
        try { return JsonSerializer.Deserialize<State>(File.ReadAllText(Path.Combine(folder, "state.json")))?.Step; }
        catch (JsonException) { return null; }
    }

    /// <summary>Restores a checkpoint into the given objects; returns (step, elapsed seconds). Damage is an InputException.</summary>
    /// <param name="canonical">writes a stored config as the current version would (<see cref="YamlConfig.Canonical{T}"/>)</param>
    public static (int Step, double ElapsedSeconds) Read(string modelDirectory, string configYaml, Func<string, string> canonical, nn.Module model,
                                                         ExponentialMovingAverage ema, nn.Module scratch,
                                                         TorchSharp.Modules.AdamW optimizer, Generator generator)
    {
        string folder = Find(modelDirectory) ?? throw new InputException($"--resume: no checkpoint in {modelDirectory}.");
        try
        {
            var state = JsonSerializer.Deserialize<State>(File.ReadAllText(Path.Combine(folder, "state.json")))
                        ?? throw new InvalidDataException("empty state.json");
            if (canonical(state.ConfigYaml) != configYaml)
                throw new InputException($"--resume: the checkpoint in {folder} was made with a different config; compare {Path.Combine(modelDirectory, TrainingFolder.ConfigFile)} with your options.");
            ModuleWeights.Load(model, Path.Combine(folder, "model.dat"));
            ModuleWeights.Load(scratch, Path.Combine(folder, "ema.dat"));
            ema.Load(scratch.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter));
            optimizer.load_state_dict(Path.Combine(folder, "optimizer.dat"));
            using var g = tensor(Convert.FromBase64String(state.GeneratorState));
            generator.set_state(g);
            return (state.Step, state.ElapsedSeconds);
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or IOException or FormatException)
        {
            throw new InputException($"checkpoint {folder} is damaged ({e.Message}); start again without --resume.", e);
        }
    }

    private static string? Find(string modelDirectory) =>
        AtomicFolder.Find(Path.Combine(modelDirectory, TrainingFolder.CheckpointFolder), "state.json");
}
