using System.Globalization;
using BoltzmannGen.FineTuning;
using BoltzmannGen.Flows;
using BoltzmannGen.Optimisation;
using BoltzmannGen.Teacher;
using BoltzmannGen.Training;

namespace BoltzmannGen.Cli.Pipeline;

/// <summary>
/// One `bgen run`: which system, where, and each stage's options. The `teacher`, `flow` and `finetune` sections are
/// the configs of `bgen teacher train`, `bgen train` and `bgen finetune` (their own records, keys and checks), written
/// to the run folder as the YAML those commands read; the other sections are small and checked here. Every section is
/// checked when the config is loaded, before any stage runs. Presets (configs/presets/*.yaml) are files of this shape.
/// </summary>
public sealed record RunConfig
{
    public string System { get; init; } = "aldp";
    /// <summary>Run folder; empty means runs/&lt;system&gt;-&lt;preset&gt;.</summary>
    public string Out { get; init; } = "";
    /// <summary>Reference dataset; empty means data/&lt;system&gt; of the repository, simulated into the run folder when absent.</summary>
    public string Data { get; init; } = "";
    public string Label { get; init; } = "";
    public string Device { get; init; } = "auto";
    public SimulateSection Simulate { get; init; } = new();
    public TeacherConfig Teacher { get; init; } = new();
    public TargetsSection Targets { get; init; } = new();

    /// <summary>The seed of shard <paramref name="shard"/> of a section seeded with <paramref name="seed"/>: 1000·seed + shard.</summary>
    public static int ShardSeed(int seed, int shard) => checked(1000 * seed + shard);

    /// <summary>Pairs per reflow chunk, which the plan gives `bgen targets --chunk` (its default too): the unit targets.shards splits.</summary>
    public const int TargetsChunk = 1000;
    public TrainingConfig Flow { get; init; } = new();
    /// <summary>
    /// Energy-based fine-tuning after the flow stage (`bgen finetune`; keys of configs/finetune.yaml) when
    /// <c>enabled: true</c>; the sample and report stages then use the fine-tuned model.
    /// </summary>
    public FineTuneConfig Finetune { get; init; } = new();
    public SampleSection Sample { get; init; } = new();
    public ReweightSection Reweight { get; init; } = new();
    public ReportSection Report { get; init; } = new();
    public SmcSection Smc { get; init; } = new();

    /// <summary>
    /// Budgets of a system's own: `key=value` overrides, separated by spaces, applied when <see cref="System"/> names
    /// the system, after the file and before the command line's overrides (which win). A preset can so give al4 more
    /// fine-tuning steps than aldp without a file per system: <c>per_system: {al4: "finetune.steps=4000"}</c>.
    /// </summary>
    public Dictionary<string, string> PerSystem { get; init; } = new();

    /// <summary>
    /// Optional SMC/AIS from the (fine-tuned) flow (`bgen smc`), after the importance-sampling stages; its samples get
    /// a report of their own (report-smc/), so both estimators stand side by side.
    /// </summary>
    public sealed record SmcSection
    {
        public bool Enabled { get; init; }
        public int N { get; init; } = 10000;
        public string Schedule { get; init; } = "fixed";
        public int Steps { get; init; } = 20;
        public string Kernel { get; init; } = "mala";
        public int McmcPerStep { get; init; } = 1;
        public double ResampleBelow { get; init; } = 0.5;
        public int Seed { get; init; } = 4;

        /// <summary>
        /// Independent SMC runs of n/shards particles each (side by side under Slurm: one array job), seed
        /// <c>1000·seed + K</c>, merged by `bgen merge`. 1: one `bgen smc` with <see cref="Seed"/>.
        /// </summary>
        public int Shards { get; init; } = 1;

        public int ShardSeed(int shard) => RunConfig.ShardSeed(Seed, shard);
    }

    public sealed record SimulateSection
    {
        public double Ns { get; init; } = 10;
        public string Temperatures { get; init; } = "";
        public int Replicas { get; init; } = 1;
        public int Seed { get; init; } = 1;

        /// <summary>
        /// Independent MD runs, e.g. "11,12,13": the first is the dataset, the others are pooled into its free-energy
        /// reference (`bgen pool`); empty: one run with <see cref="Seed"/>. Under Slurm the runs are one array job.
        /// </summary>
        public string Seeds { get; init; } = "";

        /// <summary>The seeds of the MD runs: <see cref="Seeds"/>, or <see cref="Seed"/> alone.</summary>
        [YamlDotNet.Serialization.YamlIgnore]
        public IReadOnlyList<int> SeedList =>
            Seeds.Trim().Length == 0 ? [Seed] : Seeds.Split(',').Select(t => int.Parse(t.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture)).ToList();
    }

    public sealed record TargetsSection
    {
        /// <summary>reflow (teacher ODE) or ot (exact assignment with MD frames).</summary>
        public string Kind { get; init; } = "reflow";
        public int Pairs { get; init; } = 20000;
        public int Seed { get; init; } = 2;
        public string Solver { get; init; } = "rk4";
        public int OdeSteps { get; init; } = 20;
        public string Align { get; init; } = "none";

        /// <summary>
        /// reflow: the pairs' chunks (of 1,000) made in this many parts (side by side under Slurm: one array job), then
        /// assembled into one targets.npz, the same pairs as one process makes. 1: one `bgen targets`.
        /// </summary>
        public int Shards { get; init; } = 1;
    }

    public sealed record SampleSection
    {
        public int N { get; init; } = 20000;
        public int Seed { get; init; } = 3;

        /// <summary>
        /// Sampling and reweighting in this many shards (side by side under Slurm), merged by `bgen merge`; shard K
        /// draws with seed <c>1000·seed + K</c>. 1: one `bgen sample` with <see cref="Seed"/>.
        /// </summary>
        public int Shards { get; init; } = 1;

        public int ShardSeed(int shard) => RunConfig.ShardSeed(Seed, shard);
    }

    public sealed record ReweightSection
    {
        public double ClipTop { get; init; } = 0.0;
    }

    public sealed record ReportSection
    {
        /// <summary>Also sample the teacher CNF (exact likelihood, slow) and report it beside the flow.</summary>
        public int TeacherSamples { get; init; } = 0;
        public int Bootstrap { get; init; } = 200;
    }

    public static RunConfig Load(string? path, IEnumerable<string> overrides)
    {
        var given = overrides.ToList();
        var config = YamlConfig.Load<RunConfig>(path, given, "run config");
        // Every entry is checked, not only the chosen system's: a typo in al4's budget fails an aldp run too. The
        // command line is checked with the chosen system's entry only, so an override that needs what that entry
        // sets (finetune.md_phi_positive_weight needs al4's md_ml) is not refused for the other systems.
        RunConfig? chosen = null;
        foreach (var (system, text) in config.PerSystem.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            var own = Entry(system, text, () => SystemOverrides(text));
            Entry(system, text, () => { var alone = YamlConfig.Load<RunConfig>(path, own, "run config"); alone.Validate(); return alone; });
            if (system == config.System) chosen = YamlConfig.Load<RunConfig>(path, [.. own, .. given], "run config");
        }
        var result = chosen ?? config;
        result.Validate();
        return result;
    }

    public string ToYaml() => YamlConfig.ToYaml(this);

    /// <summary>Reads a per_system entry, naming it in any error.</summary>
    private static T Entry<T>(string system, string text, Func<T> read)
    {
        try { return read(); }
        catch (InputException e) { throw new InputException($"per_system.{system} '{text}': {e.Message}", e); }
    }

    /// <summary>The overrides of a per_system entry; it may not choose the system or nest budgets.</summary>
    private static string[] SystemOverrides(string text)
    {
        var own = text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (own.FirstOrDefault(o => o.StartsWith("system=", StringComparison.Ordinal) || o.StartsWith("per_system", StringComparison.Ordinal)) is { } bad)
            throw new InputException($"{bad.Split('=')[0]} cannot be set per system.");
        return own;
    }

    public void Validate()
    {
        if (Targets.Kind is not ("reflow" or "ot")) throw new InputException($"targets.kind '{Targets.Kind}' is unknown; use reflow or ot.");
        if (Targets.Pairs < 2) throw new InputException($"targets.pairs must be at least 2 (got {Targets.Pairs}).");
        if (Targets.Shards < 1 || Targets.Shards > (Targets.Pairs + TargetsChunk - 1) / TargetsChunk)
            throw new InputException($"targets.shards must be 1 to {(Targets.Pairs + TargetsChunk - 1) / TargetsChunk}, the chunks of {TargetsChunk:N0} pairs in targets.pairs (got {Targets.Shards}).");
        if (Targets.Shards > 1 && Targets.Kind != "reflow") throw new InputException("targets.shards applies to targets.kind reflow only.");
        if (Sample.N < 2) throw new InputException($"sample.n must be at least 2 (got {Sample.N}).");
        if (Sample.Shards is < 1 or > 1000) throw new InputException($"sample.shards must be 1 to 1000 (got {Sample.Shards}).");
        if (Sample.Shards > Sample.N / 2) throw new InputException($"sample.shards {Sample.Shards}: at least 2 samples per shard (sample.n is {Sample.N}).");
        if (Reweight.ClipTop is < 0 or >= 1) throw new InputException($"reweight.clip_top must be in [0, 1) (got {Reweight.ClipTop.ToString(CultureInfo.InvariantCulture)}).");
        if (Simulate.Ns <= 0) throw new InputException("simulate.ns must be positive.");
        if (Simulate.Seeds.Trim().Length > 0)
        {
            var tokens = Simulate.Seeds.Split(',').Select(t => t.Trim()).ToList();
            if (tokens.Any(t => !int.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)))
                throw new InputException($"simulate.seeds '{Simulate.Seeds}': give whole numbers separated by commas, e.g. 11,12,13.");
            if (tokens.Distinct().Count() != tokens.Count)
                throw new InputException($"simulate.seeds '{Simulate.Seeds}': every seed once (pooled runs must be independent).");
        }
        // The sections the teacher, flow and finetune stages read, checked now: a bad value fails in a second, not
        // after the stages before it have run.
        Section("teacher", Teacher.Validate);
        Section("flow", Flow.Validate);
        if (!FlowArchitectures.Names.Contains(Flow.Arch))
            throw new InputException($"flow.arch '{Flow.Arch}' is unknown; known architectures: {string.Join(", ", FlowArchitectures.Names)}.");
        if (Finetune.Enabled) Section("finetune", Finetune.Validate);
        if (Smc.Enabled)
        {
            if (Smc.N < 2) throw new InputException($"smc.n must be at least 2 (got {Smc.N}).");
            if (Smc.Shards < 1 || Smc.Shards > Smc.N / 2) throw new InputException($"smc.shards must be 1 to {Smc.N / 2}: at least 2 particles per run (got {Smc.Shards}).");
            if (Smc.Steps < 1) throw new InputException($"smc.steps must be at least 1 (got {Smc.Steps}).");
            if (Smc.McmcPerStep < 0) throw new InputException($"smc.mcmc_per_step must not be negative (got {Smc.McmcPerStep}).");
            if (Smc.Kernel is not ("mala" or "langevin")) throw new InputException($"smc.kernel '{Smc.Kernel}' is unknown; use mala or langevin.");
            if (Smc.Schedule is not ("fixed" or "adaptive")) throw new InputException($"smc.schedule '{Smc.Schedule}' is unknown; use fixed or adaptive.");
            if (Smc.ResampleBelow is < 0 or > 1) throw new InputException($"smc.resample_below must be in [0, 1] (got {Smc.ResampleBelow.ToString(CultureInfo.InvariantCulture)}).");
        }
    }

    private static void Section(string name, Action validate)
    {
        try { validate(); }
        catch (InputException e) { throw new InputException($"{name} section: {e.Message}", e); }
    }
}
