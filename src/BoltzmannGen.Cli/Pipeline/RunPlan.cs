using System.Text.Json;
using BoltzmannGen.Cli.Commands;
using BoltzmannGen.Data;
using BoltzmannGen.Sampling;
using BoltzmannGen.Systems;

namespace BoltzmannGen.Cli.Pipeline;

/// <summary>
/// One `bgen run` planned from its options, before anything is written: the resolved run config, the run folder and
/// the stages. Every executor (local, Slurm, a single `--stage`, `--status`) starts from the same plan, so they agree
/// on the stages and their hashes.
/// </summary>
public sealed record RunPlan(RunConfig Config, string RunDirectory, IReadOnlyList<PipelineStage> Stages)
{
    /// <summary>The run folder as a full path (what Slurm jobs are given).</summary>
    public string FullRunDirectory => Path.TrimEndingDirectorySeparator(Path.GetFullPath(RunDirectory));

    public StageLedger Ledger => new(RunDirectory);

    /// <summary>The stages <paramref name="stage"/> reads from directly (<see cref="PipelinePlan.Needs"/>).</summary>
    public IReadOnlyList<PipelineStage> Needs(PipelineStage stage) => PipelinePlan.Needs(Stages, stage);

    /// <summary>The stage called <paramref name="name"/>; an unknown name lists the stages of this run.</summary>
    public PipelineStage Stage(string name) =>
        Stages.FirstOrDefault(s => s.Name == name)
        ?? throw new InputException($"--stage {name}: this run has no such stage; its stages: {string.Join(", ", Stages.Select(s => s.Name))}.");

    /// <summary>
    /// Done with this plan's hash, its outputs present, and none of the stages it read from run again since (their
    /// finished_utc as recorded when it started): what lets a stage be skipped.
    /// </summary>
    public bool IsDone(PipelineStage stage) =>
        Ledger.Finished(stage.Name) is { } done && done.Hash == stage.Hash && stage.Outputs.All(o => File.Exists(o) || Directory.Exists(o))
        && (done.Inputs is null || Needs(stage).All(need => done.Inputs.TryGetValue(need.Name, out var when) && Ledger.Finished(need.Name)?.FinishedUtc == when));

    /// <summary>The finished_utc of each stage <paramref name="stage"/> reads from, now (recorded with it when it finishes).</summary>
    public Dictionary<string, string?> Inputs(PipelineStage stage) =>
        Needs(stage).ToDictionary(need => need.Name, need => Ledger.Finished(need.Name)?.FinishedUtc);

    /// <summary>The run's options as last given (in .stages/run-command.json), without the executor's.</summary>
    public required RunCommand.Settings Settings { get; init; }

    /// <summary>
    /// Plans the run of <paramref name="settings"/>. With `--status` and no option but `--out`, the options the run was
    /// last started with (.stages/run-command.json), in the folder it was started from, since paths are part of the
    /// stages' hashes.
    /// </summary>
    public static RunPlan Create(RunCommand.Settings settings)
    {
        if (settings.Status && OnlyOut(settings))
        {
            string saved = Path.Combine(settings.Out!, ".stages", SavedCommand);
            if (!File.Exists(saved)) throw new InputException($"--out {settings.Out}: no run there (no .stages/{SavedCommand}); give the run's options with --status.");
            var (arguments, folder) = ReadCommand(saved);
            // A read-only command: the run's relative paths mean what they meant when it was started.
            if (Directory.Exists(folder)) Environment.CurrentDirectory = folder;
            return Create((RunCommand.Settings)BgenApp.Parse(arguments));
        }
        var catalog = settings.ForceFields is null ? SystemCatalog.Default() : new SystemCatalog(settings.ForceFields);
        string repository = Path.GetDirectoryName(Path.GetFullPath(catalog.ForceFieldsDirectory).TrimEnd(Path.DirectorySeparatorChar))!;
        string configPath = settings.Config ?? Path.Combine(repository, "configs", "presets", settings.Preset + ".yaml");
        if (settings.Config is null && !File.Exists(configPath))
        {
            var known = Directory.Exists(Path.GetDirectoryName(configPath)) ? Directory.GetFiles(Path.GetDirectoryName(configPath)!, "*.yaml").Select(Path.GetFileNameWithoutExtension) : [];
            throw new InputException($"--preset {settings.Preset}: no {configPath}. Presets: {string.Join(", ", known)}.");
        }
        var overrides = new List<string>(settings.Overrides);
        if (settings.System is not null) overrides.Add($"system={settings.System}");
        if (settings.Objective is not null) overrides.Add($"flow.objective={settings.Objective}");
        if (settings.Arch is not null) overrides.Add($"flow.arch={settings.Arch}");
        var config = RunConfig.Load(configPath, overrides);
        var system = catalog.Get(config.System);
        // Sizes that cannot fit fail now, not after hours of training.
        SampleSizeLimits.Check(config.Sample.N, system.AtomCount, "sample.n", system.Name);
        if (config.Smc.Enabled) SampleSizeLimits.Check(config.Smc.N, system.AtomCount, "smc.n", system.Name);
        if (config.Finetune.Enabled)
            BoltzmannGen.FineTuning.FineTuneMemory.Check(config.Finetune, config.Flow.Arch, config.Flow.FlowHyperparameters(), system.AtomCount, system.Name, "finetune.");
        string preset = settings.Config is null ? settings.Preset : Path.GetFileNameWithoutExtension(configPath);
        string run = settings.Out ?? (config.Out.Length > 0 ? config.Out : Path.Combine("runs", $"{system.Name}-{preset}"));
        OutputPath.CheckFolder(run, "--out", "the run");
        var stages = PipelinePlan.Build(config, run, Path.Combine(repository, "data", system.Name), settings.ForceFields);
        return new RunPlan(config, run, stages) { Settings = settings };
    }

    /// <summary>The file in .stages/ that keeps the run's command: its `bgen run` arguments and working folder.</summary>
    public const string SavedCommand = "run-command.json";

    /// <summary>`bgen run` and the run's own options (no executor options, no --stage or --status), parsing back into them.</summary>
    public string[] RunArguments() => ["run", .. CommandArguments.Render(RunOptions(Settings))];

    /// <summary><paramref name="settings"/> with the executor's options at their defaults, and <paramref name="stage"/>.</summary>
    public static RunCommand.Settings RunOptions(RunCommand.Settings settings, string? stage = null)
    {
        var node = JsonSerializer.SerializeToNode(settings, settings.GetType())!.AsObject();
        var fresh = JsonSerializer.SerializeToNode(new Executors.ExecutorSettings())!.AsObject();
        foreach (var (key, value) in fresh) node[key] = value?.DeepClone();
        node[nameof(Executors.ExecutorSettings.Stage)] = stage;
        return (RunCommand.Settings)node.Deserialize(settings.GetType())!;
    }

    private static (string[] Arguments, string Folder) ReadCommand(string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            return (doc.RootElement.GetProperty("arguments").EnumerateArray().Select(a => a.GetString()!).ToArray(),
                doc.RootElement.GetProperty("working_directory").GetString()!);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new InputException($"{path} is damaged ({e.Message}); give the run's options with --status.", e);
        }
    }

    /// <summary>
    /// Writes run.yaml, the run's command (.stages/run-command.json, for `--status --out RUN`) and the configs the teacher, flow and finetune stages read (--config), each its section as a
    /// whole record; a file that already holds the same text is left alone (a stage job may be reading it), a changed
    /// one is replaced atomically.
    /// </summary>
    public void WriteConfigs()
    {
        Directory.CreateDirectory(RunDirectory);
        Write("run.yaml", Config.ToYaml());
        Directory.CreateDirectory(Ledger.Folder);
        Write(Path.Combine(".stages", SavedCommand), JsonSerializer.Serialize(
            new { arguments = RunArguments(), working_directory = Environment.CurrentDirectory },
            new JsonSerializerOptions { WriteIndented = true }));
        Write("teacher.yaml", Config.Teacher.ToYaml());
        Write("flow.yaml", Config.Flow.ToYaml());
        if (Config.Finetune.Enabled) Write("finetune.yaml", Config.Finetune.ToYaml());
    }

    private void Write(string name, string text)
    {
        string path = Path.Combine(RunDirectory, name);
        if (File.Exists(path) && File.ReadAllText(path) == text) return;
        AtomicFile.WriteText(path, text);
    }

    // `bgen run --status --out RUN`: nothing else chosen.
    private static bool OnlyOut(RunCommand.Settings s) =>
        s.Out is not null && s.Config is null && s.System is null && s.Objective is null && s.Arch is null && s.ForceFields is null
        && s.Overrides.Length == 0 && s.Preset == new RunCommand.Settings().Preset;
}
