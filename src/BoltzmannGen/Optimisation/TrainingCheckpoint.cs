using System.Text.Json.Serialization;
using System.Text.Json;
using BoltzmannGen.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace BoltzmannGen.Optimisation;

/// <summary>
/// Everything needed to continue training exactly: weights, averaged weights, optimiser state (AdamW moments),
/// step, and the random generator, in a folder replaced as one (<see cref="AtomicFolder"/>): a kill at any
/// moment leaves one complete checkpoint. state.json, written last, holds the sha256 of model.dat, ema.dat and
/// optimizer.dat; a resume checks them before loading anything (<see cref="FileChecksum"/>).
/// </summary>
public static class TrainingCheckpoint
{
    private const string ModelFile = "model.dat", EmaFile = "ema.dat", OptimizerFile = "optimizer.dat", StateFile = "state.json";
    private const string Remedy = "start again without --resume";

    private sealed record State(
        [property: JsonPropertyName("step")] int Step,
        [property: JsonPropertyName("generator_state")] string GeneratorState,
        [property: JsonPropertyName("elapsed_seconds")] double ElapsedSeconds,
        [property: JsonPropertyName("config")] string ConfigYaml,
        [property: JsonPropertyName("sha256")] IReadOnlyDictionary<string, string>? Sha256 = null);

    /// <param name="configYaml">the configuration the run was started with; a resume with another one is refused</param>
    /// <param name="scratch">a second instance of the model's architecture, used to hold the averaged weights</param>
    public static void Write(string modelDirectory, int step, double elapsedSeconds, string configYaml,
                             nn.Module model, ExponentialMovingAverage ema, nn.Module scratch,
                             TorchSharp.Modules.AdamW optimizer, Generator generator, IReadOnlyList<ICheckpointPart>? parts = null)
    {
        parts ??= [];
        AtomicFolder.Replace(Path.Combine(modelDirectory, TrainingFolder.CheckpointFolder), fresh =>
        {
            model.save(Path.Combine(fresh, ModelFile));
            ema.CopyTo(scratch);
            scratch.save(Path.Combine(fresh, EmaFile));
            optimizer.save_state_dict(Path.Combine(fresh, OptimizerFile));
            foreach (var part in parts) part.Save(Path.Combine(fresh, part.FileName));
            using var g = generator.get_state();
            var checksums = Files(parts).ToDictionary(f => f, f => FileChecksum.Of(Path.Combine(fresh, f)));
            var state = new State(step, Convert.ToBase64String(g.data<byte>().ToArray()), elapsedSeconds, configYaml, checksums);
            File.WriteAllText(Path.Combine(fresh, StateFile), JsonSerializer.Serialize(state)); // last: marks it complete
        });
    }

    public static bool Exists(string modelDirectory) => Find(modelDirectory) is not null;

    /// <summary>The step of the folder's checkpoint, or null without one (logs kept beside it are cut there on resume).</summary>
    public static int? StepOf(string modelDirectory)
    {
        if (Find(modelDirectory) is not { } folder) return null;
        try { return JsonSerializer.Deserialize<State>(File.ReadAllText(Path.Combine(folder, StateFile)))?.Step; }
        catch (JsonException) { return null; }
    }

    /// <summary>Restores a checkpoint into the given objects; returns (step, elapsed seconds). Damage is an InputException.</summary>
    /// <param name="canonical">writes a stored config as the current version would (<see cref="YamlConfig.Canonical{T}"/>)</param>
    public static (int Step, double ElapsedSeconds) Read(string modelDirectory, string configYaml, Func<string, string> canonical, nn.Module model,
                                                         ExponentialMovingAverage ema, nn.Module scratch,
                                                         TorchSharp.Modules.AdamW optimizer, Generator generator,
                                                         IReadOnlyList<ICheckpointPart>? parts = null)
    {
        parts ??= [];
        string folder = Find(modelDirectory) ?? throw new InputException($"--resume: no checkpoint in {modelDirectory}.");
        try
        {
            string statePath = Path.Combine(folder, StateFile);
            var state = JsonSerializer.Deserialize<State>(File.ReadAllText(statePath))
                        ?? throw new InvalidDataException($"empty {StateFile}");
            if (canonical(state.ConfigYaml) != configYaml)
                throw new InputException($"--resume: the checkpoint in {folder} was made with a different config; compare {Path.Combine(modelDirectory, TrainingFolder.ConfigFile)} with your options.");
            foreach (var file in Files(parts))
                FileChecksum.Verify(Path.Combine(folder, file), state.Sha256?.GetValueOrDefault(file), statePath, Remedy);
            ModuleWeights.Load(model, Path.Combine(folder, ModelFile));
            ModuleWeights.Load(scratch, Path.Combine(folder, EmaFile));
            ema.Load(scratch.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter));
            try
            {
                optimizer.load_state_dict(Path.Combine(folder, OptimizerFile));
            }
            catch (Exception e) when (e is not InputException)
            {
                throw new InputException($"{Path.Combine(folder, OptimizerFile)} is damaged or belongs to another model: {e.Message}", e);
            }
            foreach (var part in parts) part.Load(Path.Combine(folder, part.FileName));
            using var g = tensor(Convert.FromBase64String(state.GeneratorState));
            generator.set_state(g);
            return (state.Step, state.ElapsedSeconds);
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or IOException or FormatException)
        {
            throw new InputException($"checkpoint {folder} is damaged ({e.Message}); start again without --resume.", e);
        }
    }

    private static IEnumerable<string> Files(IReadOnlyList<ICheckpointPart> parts) =>
        new[] { ModelFile, EmaFile, OptimizerFile }.Concat(parts.Select(p => p.FileName));

    private static string? Find(string modelDirectory) =>
        AtomicFolder.Find(Path.Combine(modelDirectory, TrainingFolder.CheckpointFolder), StateFile);
}
