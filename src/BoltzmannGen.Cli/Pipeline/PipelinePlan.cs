using System.Globalization;
using BoltzmannGen.Datasets;
using Spectre.Console.Cli;
using BoltzmannGen.Cli.Commands;

namespace BoltzmannGen.Cli.Pipeline;

/// <summary>
/// The stages of a run, in order: dataset (shipped, or simulated when absent) → teacher → targets → flow →
/// finetune (when enabled) → sample → reweight → report. MLE skips teacher and targets; OT targets skip the teacher.
/// </summary>
public static class PipelinePlan
{
    public static IReadOnlyList<PipelineStage> Build(RunConfig config, string runDirectory, string repositoryData, string? forceFields)
    {
        string In(string name) => Path.Combine(runDirectory, name);
        var stages = new List<PipelineStage>();
        string sys = config.System;
        string objective = config.Flow.Objective;
        // An internal-coordinate student is paired with MD frames in its own coordinates (`bgen targets --cost internal`).
        string cost = config.Flow.Coordinates == "internal" ? "internal" : "cartesian";

        // Dataset: the shipped one when present, else simulated into the run folder.
        string data = config.Data.Length > 0 ? config.Data : repositoryData;
        string dataHash, datasetMeta = "";
        // What a stage's hash adds when it learns from the pooled runs too (teacher's and finetune's md_pooled_runs).
        string PooledRuns(bool learnsFromThem) => learnsFromThem ? ReferenceDataset.PooledRunsFingerprint(datasetMeta) : "";
        if (File.Exists(Path.Combine(data, "meta.json")))
        {
            // Training stages hang on the training files only (and on the pooled runs when their md_pooled_runs is
            // set: PooledRuns); the report reads all of meta.json (statistics, pooled runs), so frames pooled later
            // (`bgen pool`) rerun just the report and the stages that learn from them.
            datasetMeta = File.ReadAllText(Path.Combine(data, "meta.json"));
            dataHash = StageLedger.Hash("dataset", Path.GetFullPath(data), ReferenceDataset.TrainingFingerprint(datasetMeta));
        }
        else
        {
            if (config.Data.Length > 0) throw new InputException($"data {config.Data}: no dataset there (meta.json missing).");
            data = In("data");
            bool exchange = config.Simulate.Temperatures.Length > 0;
            SimulateCommand.Settings Simulate(int seed, string output) => new()
            {
                System = sys, ForceFields = forceFields, Nanoseconds = config.Simulate.Ns, Out = output, Seed = seed,
                Temperatures = exchange ? config.Simulate.Temperatures : null, Replicas = exchange ? 1 : config.Simulate.Replicas,
            };
            var seeds = config.Simulate.SeedList;
            if (seeds.Count == 1)
            {
                stages.Add(Hashed(new PipelineStage("dataset", $"reference MD for {sys} ({F(config.Simulate.Ns)} ns)",
                    Stage<SimulateCommand, SimulateCommand.Settings>(Simulate(seeds[0], data), "simulate"), [data], true), ""));
                dataHash = stages[^1].Hash;
            }
            else
            {
                // Independent MD runs, one per seed (side by side under Slurm: one array job): the first is the dataset
                // (training frames), the others are pooled into its free-energy reference (`bgen pool`), which the
                // training stages then wait for. The dataset's hash covers the seed list, so a changed list simulates
                // it again rather than pooling a seed twice.
                string seedList = string.Join(",", seeds);
                stages.Add(Hashed(new PipelineStage("dataset", $"reference MD for {sys} ({F(config.Simulate.Ns)} ns, seed {seeds[0]} of {seedList})",
                    Stage<SimulateCommand, SimulateCommand.Settings>(Simulate(seeds[0], data), "simulate"), [data], true)
                    { ConfigText = $"seeds {seedList}", Group = "md" }, ""));
                var runs = new List<string>();
                foreach (int seed in seeds.Skip(1))
                {
                    string run = In(Path.Combine("md", $"s{seed}"));
                    runs.Add(run);
                    stages.Add(Hashed(new PipelineStage($"md-s{seed}", $"independent MD for {sys} ({F(config.Simulate.Ns)} ns, seed {seed}), to pool",
                        Stage<SimulateCommand, SimulateCommand.Settings>(Simulate(seed, run), "simulate"), [run], true) { Group = "md" }, ""));
                }
                var pool = new PoolCommand.Settings { Into = data, Runs = [.. runs] };
                stages.Add(Hashed(new PipelineStage("pool", $"pool {runs.Count} independent MD runs into the dataset's free-energy reference",
                    Stage<PoolCommand, PoolCommand.Settings>(pool, "pool"), [], false), [.. stages.Select(s => s.Hash)]));
                dataHash = stages[^1].Hash;
            }
        }

        string upstream = dataHash;
        if (objective == "fort")
        {
            if (config.Targets.Kind == "reflow")
            {
                var teacher = new TeacherTrainCommand.Settings
                {
                    System = sys, ForceFields = forceFields, Data = data, Out = In("teacher"), Config = In("teacher.yaml"), Device = config.Device,
                };
                stages.Add(Hashed(new PipelineStage("teacher", "flow-matching CNF teacher",
                    Stage<TeacherTrainCommand, TeacherTrainCommand.Settings>(teacher, "teacher", "train"), [In("teacher")], true)
                    { ConfigText = config.Teacher.ToYaml() + PooledRuns(config.Teacher.MdPooledRuns) }, dataHash));
                upstream = stages[^1].Hash;
                TargetsCommand.Settings Reflow(int part = 0, int parts = 1, bool resume = false) => new()
                {
                    System = sys, ForceFields = forceFields, Kind = "reflow", Teacher = In("teacher"), Pairs = config.Targets.Pairs,
                    Out = In("targets.npz"), Seed = config.Targets.Seed, Solver = config.Targets.Solver, Steps = config.Targets.OdeSteps,
                    Device = config.Device, Chunk = RunConfig.TargetsChunk, Part = part, Parts = parts, Resume = resume,
                };
                if (config.Targets.Shards <= 1)
                    stages.Add(Hashed(new PipelineStage("targets", $"{config.Targets.Pairs:N0} reflow pairs from the teacher",
                        Stage<TargetsCommand, TargetsCommand.Settings>(Reflow(), "targets"), [In("targets.npz")], true), upstream));
                else
                {
                    // Parts (side by side under Slurm, one array job) make every K-th chunk into targets.npz.partial/;
                    // the targets stage then assembles them (--resume keeps the chunks), the pairs of one process.
                    int parts = config.Targets.Shards;
                    var made = new List<string>();
                    for (int k = 0; k < parts; k++)
                    {
                        stages.Add(Hashed(new PipelineStage($"targets-{k}", $"part {k + 1}/{parts} of the reflow pairs' chunks",
                            Stage<TargetsCommand, TargetsCommand.Settings>(Reflow(k, parts), "targets"), [], false) { Group = "targets" }, upstream));
                        made.Add(stages[^1].Hash);
                    }
                    stages.Add(Hashed(new PipelineStage("targets", $"{config.Targets.Pairs:N0} reflow pairs from the teacher, assembled from {parts} parts",
                        Stage<TargetsCommand, TargetsCommand.Settings>(Reflow(resume: true), "targets"), [In("targets.npz")], true), [.. made]));
                }
            }
            else
            {
                // OT pairs each prior draw with a distinct frame: never more pairs than training frames (al3 and al4
                // ship fewer frames than the quick preset's pair count).
                int pairs = Math.Min(config.Targets.Pairs, TrainingFrames(data) ?? int.MaxValue);
                string capped = pairs < config.Targets.Pairs ? $" (all training frames; targets.pairs {config.Targets.Pairs:N0} capped)" : "";
                var ot = new TargetsCommand.Settings
                {
                    System = sys, ForceFields = forceFields, Kind = "ot", Data = data, Pairs = pairs, Out = In("targets.npz"),
                    Seed = config.Targets.Seed, Align = config.Targets.Align, Cost = cost,
                };
                stages.Add(Hashed(new PipelineStage("targets", $"{pairs:N0} optimal-transport pairs{capped}",
                    Stage<TargetsCommand, TargetsCommand.Settings>(ot, "targets"), [In("targets.npz")], false), upstream));
            }
            upstream = stages[^1].Hash;
        }
        var train = new TrainCommand.Settings
        {
            System = sys, ForceFields = forceFields, Data = data, Out = In("flow"), Config = In("flow.yaml"), Device = config.Device,
            Targets = objective == "fort" ? In("targets.npz") : null,
        };
        stages.Add(Hashed(new PipelineStage("flow", $"normalizing flow ({objective})",
            Stage<TrainCommand, TrainCommand.Settings>(train, "train"), [In("flow")], true) { ConfigText = config.Flow.ToYaml() }, upstream));
        string model = In("flow");
        if (config.Finetune.Enabled)
        {
            var fineTune = config.Finetune;
            model = In("finetuned");
            var settings = new FinetuneCommand.Settings
            {
                Model = In("flow"), ForceFields = forceFields, Out = model, Config = In("finetune.yaml"), Data = data, Device = config.Device,
                Targets = fineTune.Fort > 0 && objective == "fort" ? In("targets.npz") : null,
            };
            stages.Add(Hashed(new PipelineStage("finetune", $"energy-based fine-tuning ({fineTune.Steps:N0} steps of {fineTune.BatchSize} samples)",
                Stage<FinetuneCommand, FinetuneCommand.Settings>(settings, "finetune"), [model], true)
                { ConfigText = fineTune.ToYaml() + PooledRuns(fineTune.MdPooledRuns) }, stages[^1].Hash));
        }
        if (config.Sample.Shards <= 1)
        {
            var sample = new SampleCommand.Settings { Model = model, Count = config.Sample.N, Out = In("samples.npz"), Seed = config.Sample.Seed, Device = config.Device };
            stages.Add(Hashed(new PipelineStage("sample", $"{config.Sample.N:N0} samples with log q",
                Stage<SampleCommand, SampleCommand.Settings>(sample, "sample"), [In("samples.npz")], false), stages[^1].Hash));
            var reweight = new ReweightCommand.Settings
            {
                System = sys, ForceFields = forceFields, Samples = In("samples.npz"), ClipTop = config.Reweight.ClipTop > 0 ? config.Reweight.ClipTop : null,
            };
            stages.Add(Hashed(new PipelineStage("reweight", "energies and importance weights",
                Stage<ReweightCommand, ReweightCommand.Settings>(reweight, "reweight"), [], false), stages[^1].Hash));
        }
        else
        {
            // Shards (side by side under Slurm, two array jobs): shard K draws its share with its own seed and is
            // reweighted alone (log_w = −u − log q needs nothing of the other samples); `bgen merge` concatenates them
            // and clips the merged weights.
            int shards = config.Sample.Shards;
            string modelHash = stages[^1].Hash;
            var files = Enumerable.Range(0, shards).Select(k => In(Path.Combine("shards", $"sample-{k}.npz"))).ToList();
            var sampled = new List<string>();
            for (int k = 0; k < shards; k++)
            {
                int n = ShareOf(config.Sample.N, shards, k);
                var sample = new SampleCommand.Settings { Model = model, Count = n, Out = files[k], Seed = config.Sample.ShardSeed(k), Device = config.Device };
                stages.Add(Hashed(new PipelineStage($"sample-{k}", $"shard {k + 1}/{shards}: {n:N0} samples with log q (seed {sample.Seed})",
                    Stage<SampleCommand, SampleCommand.Settings>(sample, "sample"), [files[k]], false) { Group = "sample" }, modelHash));
                sampled.Add(stages[^1].Hash);
            }
            var reweighted = new List<string>();
            for (int k = 0; k < shards; k++)
            {
                var reweight = new ReweightCommand.Settings { System = sys, ForceFields = forceFields, Samples = files[k] };
                stages.Add(Hashed(new PipelineStage($"reweight-{k}", $"shard {k + 1}/{shards}: energies and importance weights",
                    Stage<ReweightCommand, ReweightCommand.Settings>(reweight, "reweight"), [], false) { Group = "reweight" }, sampled[k]));
                reweighted.Add(stages[^1].Hash);
            }
            var merge = new MergeCommand.Settings
            {
                Out = In("samples.npz"), Shards = [.. files], ClipTop = config.Reweight.ClipTop > 0 ? config.Reweight.ClipTop : null,
            };
            stages.Add(Hashed(new PipelineStage("merge", $"{shards} shards into one samples.npz ({config.Sample.N:N0} samples)",
                Stage<MergeCommand, MergeCommand.Settings>(merge, "merge"), [In("samples.npz")], false), [.. reweighted]));
        }
        string label = config.Label.Length > 0 ? config.Label
            : $"{objective.ToUpperInvariant()}{(objective == "fort" ? "-" + config.Targets.Kind : "")}{(config.Finetune.Enabled ? "+finetune" : "")}";
        stages.Add(Hashed(new PipelineStage("report", "metrics, plots and report",
            Stage<ReportCommand, ReportCommand.Settings>(Report(In("samples.npz"), In("report"), label), "report"), [In("report")], false)
            { ConfigText = datasetMeta }, stages[^1].Hash));
        if (config.Smc.Enabled)
        {
            var smc = config.Smc;
            SmcCommand.Settings Smc(int n, string output, int seed) => new()
            {
                Model = model, ForceFields = forceFields, Count = n, Out = output, Schedule = smc.Schedule, Steps = smc.Steps,
                Kernel = smc.Kernel, Moves = smc.McmcPerStep, ResampleBelow = smc.ResampleBelow, Seed = seed, Device = config.Device,
            };
            string flowHash = stages.First(s => s.Name == (config.Finetune.Enabled ? "finetune" : "flow")).Hash;
            if (smc.Shards <= 1)
                stages.Add(Hashed(new PipelineStage("smc", $"SMC from the flow: {smc.N:N0} particles, {smc.Steps} {smc.Schedule} steps ({smc.Kernel})",
                    Stage<SmcCommand, SmcCommand.Settings>(Smc(smc.N, In("smc.npz"), smc.Seed), "smc"), [In("smc.npz")], false), upstream: flowHash));
            else
            {
                // Independent SMC runs (side by side under Slurm, one array job), merged into one population.
                var files = Enumerable.Range(0, smc.Shards).Select(k => In(Path.Combine("shards", $"smc-{k}.npz"))).ToList();
                var runs = new List<string>();
                for (int k = 0; k < smc.Shards; k++)
                {
                    int n = ShareOf(smc.N, smc.Shards, k);
                    stages.Add(Hashed(new PipelineStage($"smc-{k}", $"SMC run {k + 1}/{smc.Shards}: {n:N0} particles (seed {smc.ShardSeed(k)})",
                        Stage<SmcCommand, SmcCommand.Settings>(Smc(n, files[k], smc.ShardSeed(k)), "smc"), [files[k]], false) { Group = "smc" }, flowHash));
                    runs.Add(stages[^1].Hash);
                }
                var merge = new MergeCommand.Settings { Out = In("smc.npz"), Shards = [.. files] };
                stages.Add(Hashed(new PipelineStage("smc", $"{smc.Shards} SMC runs into one smc.npz ({smc.N:N0} particles)",
                    Stage<MergeCommand, MergeCommand.Settings>(merge, "merge"), [In("smc.npz")], false), [.. runs]));
            }
            stages.Add(Hashed(new PipelineStage("smc-report", "metrics and report of the SMC samples",
                Stage<ReportCommand, ReportCommand.Settings>(Report(In("smc.npz"), In("report-smc"), label + "+SMC"), "report"), [In("report-smc")], false)
                { ConfigText = datasetMeta }, stages[^1].Hash));
        }
        return stages;

        ReportCommand.Settings Report(string samples, string output, string reportLabel) => new()
        {
            System = sys, ForceFields = forceFields, Samples = samples, Reference = data, Out = output, Label = reportLabel, Model = model,
            Bootstrap = config.Report.Bootstrap,
        };
    }

    private static StageCommand Stage<TCommand, TSettings>(TSettings settings, params string[] path)
        where TCommand : Command<TSettings>, new() where TSettings : CommandSettings, new() =>
        new StageCommand<TCommand, TSettings>(path, settings);

    /// <summary>Shard k's share of <paramref name="total"/> split into <paramref name="shards"/>: the first total % shards take one more.</summary>
    private static int ShareOf(int total, int shards, int k) => total / shards + (k < total % shards ? 1 : 0);

    private static string F(double v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>Training frames of a dataset by its meta.json, or null when it does not exist (yet) or does not say.</summary>
    private static int? TrainingFrames(string data)
    {
        string meta = Path.Combine(data, "meta.json");
        if (!File.Exists(meta)) return null;
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(meta));
            return doc.RootElement.TryGetProperty("frames", out var frames) && frames.TryGetProperty("train", out var train) ? train.GetInt32() : null;
        }
        catch (System.Text.Json.JsonException) { return null; } // the dataset stage reports a damaged meta.json by name
    }

    private static PipelineStage Hashed(PipelineStage stage, params string[] upstream) =>
        stage with
        {
            Hash = StageLedger.Hash(stage.Name, stage.Command.OptionsJson, stage.ConfigText, string.Join(",", upstream)),
            Upstream = upstream.Where(u => u.Length > 0).ToArray(),
        };

    /// <summary>
    /// The stages <paramref name="stage"/> reads from directly (those whose hash its own was built on), empty for the
    /// first stage: the dependencies of its Slurm job. The rest of the order follows from theirs.
    /// </summary>
    public static IReadOnlyList<PipelineStage> Needs(IReadOnlyList<PipelineStage> stages, PipelineStage stage) =>
        stages.Where(s => stage.Upstream.Contains(s.Hash)).ToList();
}
