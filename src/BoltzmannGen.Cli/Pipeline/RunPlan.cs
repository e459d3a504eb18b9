using System.Text;
using BoltzmannGen.Cli.Commands;
using BoltzmannGen.Data;
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

    /// <summary>Done with this plan's hash and its outputs present: what lets a stage be skipped.</summary>
    public bool IsDone(PipelineStage stage) =>
        Ledger.Finished(stage.Name) is { } done && done.Hash == stage.Hash && stage.Outputs.All(o => File.Exists(o) || Directory.Exists(o));

    /// <summary>
    /// Plans the run of <paramref name="settings"/>. With `--status` and no option but `--out`, the run folder's own
    /// run.yaml is the config (the status of a run started with other options).
    /// </summary>
    public static RunPlan Create(RunCommand.Settings settings)
    {
        var catalog = settings.ForceFields is null ? SystemCatalog.Default() : new SystemCatalog(settings.ForceFields);
        string repository = Path.GetDirectoryName(Path.GetFullPath(catalog.ForceFieldsDirectory).TrimEnd(Path.DirectorySeparatorChar))!;
        string? savedConfig = settings.Status && OnlyOut(settings) ? Path.Combine(settings.Out!, "run.yaml") : null;
        if (savedConfig is not null && !File.Exists(savedConfig))
            throw new InputException($"--out {settings.Out}: no run there (no run.yaml); give the run's options with --status.");
        string configPath = savedConfig ?? settings.Config ?? Path.Combine(repository, "configs", "presets", settings.Preset + ".yaml");
        if (settings.Config is null && savedConfig is null && !File.Exists(configPath))
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
        string preset = settings.Config is null ? settings.Preset : Path.GetFileNameWithoutExtension(configPath);
        string run = settings.Out ?? (config.Out.Length > 0 ? config.Out : Path.Combine("runs", $"{system.Name}-{preset}"));
        OutputPath.CheckFolder(run, "--out", "the run");
        var stages = PipelinePlan.Build(config, run, Path.Combine(repository, "data", system.Name), settings.ForceFields);
        return new RunPlan(config, run, stages);
    }

    /// <summary>
    /// Writes run.yaml and the configs the teacher, flow and finetune stages read (--config), each its section as a
    /// whole record; a file that already holds the same text is left alone (a stage job may be reading it), a changed
    /// one is replaced atomically.
    /// </summary>
    public void WriteConfigs()
    {
        Directory.CreateDirectory(RunDirectory);
        Write("run.yaml", Config.ToYaml());
        Write("teacher.yaml", Config.Teacher.ToYaml());
        Write("flow.yaml", Config.Flow.ToYaml());
        if (Config.Finetune.Enabled) Write("finetune.yaml", Config.Finetune.ToYaml());
    }

    private void Write(string name, string text)
    {
        string path = Path.Combine(RunDirectory, name);
        if (File.Exists(path) && File.ReadAllText(path) == text) return;
        AtomicFile.Write(path, s => s.Write(Encoding.UTF8.GetBytes(text)));
    }

    // `bgen run --status --out RUN`: nothing else chosen.
    private static bool OnlyOut(RunCommand.Settings s) =>
        s.Out is not null && s.Config is null && s.System is null && s.Objective is null && s.Arch is null && s.ForceFields is null
        && s.Overrides.Length == 0 && s.Preset == new RunCommand.Settings().Preset;
}
