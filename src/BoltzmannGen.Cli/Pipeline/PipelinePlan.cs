using System.Globalization;
using System.Text;
using BoltzmannGen.Datasets;
using BoltzmannGen.Optimisation;

namespace BoltzmannGen.Cli.Pipeline;

/// <summary>
/// The stages of a run, in order: dataset (shipped, or simulated when absent) → teacher → targets → flow →
/// finetune (when enabled) → sample → reweight → report. MLE skips teacher and targets; OT targets skip the teacher.
/// </summary>
public static class PipelinePlan
{
    public static IReadOnlyList<PipelineStage> Build(RunConfig config, string runDirectory, string repositoryData, string? forceFields)
    {
        string F(double v) => v.ToString(CultureInfo.InvariantCulture);
        string In(string name) => Path.Combine(runDirectory, name);
        var ff = forceFields is null ? Array.Empty<string>() : ["--forcefields", forceFields];
        var stages = new List<PipelineStage>();
        string sys = config.System;
        string flowYaml = SectionYaml(config.Flow);
        string objective = config.Flow.TryGetValue("objective", out var o) && o is not null ? o.ToString()! : "fort";
        // An internal-coordinate student is paired with MD frames in its own coordinates (`bgen targets --cost internal`).
        string cost = config.Flow.TryGetValue("coordinates", out var c) && c?.ToString() == "internal" ? "internal" : "cartesian";

        // Dataset: the shipped one when present, else simulated into the run folder.
        string data = config.Data.Length > 0 ? config.Data : repositoryData;
        string dataHash, datasetMeta = "";
        if (File.Exists(Path.Combine(data, "meta.json")))
        {
            // Training stages hang on the training files only; the report reads all of meta.json (statistics, pooled
            // runs), so frames pooled later (`bgen pool`) rerun just the report.
            datasetMeta = File.ReadAllText(Path.Combine(data, "meta.json"));
            dataHash = StageLedger.Hash("dataset", Path.GetFullPath(data), BoltzmannGen.Datasets.ReferenceDataset.TrainingFingerprint(datasetMeta));
        }
        else
        {
            if (config.Data.Length > 0) throw new InputException($"data {config.Data}: no dataset there (meta.json missing).");
            data = In("data");
            var args = new List<string> { "simulate", "--system", sys, "--ns", F(config.Simulate.Ns), "--out", data, "--seed", config.Simulate.Seed.ToString(CultureInfo.InvariantCulture) };
            if (config.Simulate.Temperatures.Length > 0) args.AddRange(["--temperatures", config.Simulate.Temperatures]);
            else args.AddRange(["--replicas", config.Simulate.Replicas.ToString(CultureInfo.InvariantCulture)]);
            stages.Add(Hashed(new PipelineStage("dataset", $"reference MD for {sys} ({F(config.Simulate.Ns)} ns)", [.. args, .. ff], [data], true), ""));
            dataHash = stages[^1].Hash;
        }

        string upstream = dataHash;
        if (objective == "fort")
        {
            if (config.Targets.Kind == "reflow")
            {
                string teacherYaml = SectionYaml(config.Teacher);
                stages.Add(Hashed(new PipelineStage("teacher", "flow-matching CNF teacher",
                    ["teacher", "train", "--system", sys, "--data", data, "--out", In("teacher"), "--config", In("teacher.yaml"), "--device", config.Device, .. ff],
                    [In("teacher")], true) { ConfigText = teacherYaml }, dataHash));
                upstream = stages[^1].Hash;
                stages.Add(Hashed(new PipelineStage("targets", $"{config.Targets.Pairs:N0} reflow pairs from the teacher",
                    ["targets", "--system", sys, "--kind", "reflow", "--teacher", In("teacher"), "--pairs", I(config.Targets.Pairs), "--out", In("targets.npz"),
                     "--seed", I(config.Targets.Seed), "--solver", config.Targets.Solver, "--steps", I(config.Targets.OdeSteps), "--device", config.Device, .. ff],
                    [In("targets.npz")], true), upstream));
            }
            else
            {
                // OT pairs each prior draw with a distinct frame: never more pairs than training frames (al3 and al4
                // ship fewer frames than the quick preset's pair count).
                int pairs = Math.Min(config.Targets.Pairs, TrainingFrames(data) ?? int.MaxValue);
                string capped = pairs < config.Targets.Pairs ? $" (all training frames; targets.pairs {config.Targets.Pairs:N0} capped)" : "";
                stages.Add(Hashed(new PipelineStage("targets", $"{pairs:N0} optimal-transport pairs{capped}",
                    ["targets", "--system", sys, "--kind", "ot", "--data", data, "--pairs", I(pairs), "--out", In("targets.npz"),
                     "--seed", I(config.Targets.Seed), "--align", config.Targets.Align, "--cost", cost, .. ff],
                    [In("targets.npz")], false), upstream));
            }
            upstream = stages[^1].Hash;
        }
        var train = new List<string> { "train", "--system", sys, "--data", data, "--out", In("flow"), "--config", In("flow.yaml"), "--device", config.Device };
        if (objective == "fort") train.AddRange(["--targets", In("targets.npz")]);
        stages.Add(Hashed(new PipelineStage("flow", $"normalizing flow ({objective})", [.. train, .. ff], [In("flow")], true) { ConfigText = flowYaml }, upstream));
        string model = In("flow");
        if (config.FineTune() is { } fineTune)
        {
            model = In("finetuned");
            var args = new List<string> { "finetune", "--model", In("flow"), "--out", model, "--config", In("finetune.yaml"), "--data", data, "--device", config.Device };
            if (fineTune.Fort > 0 && objective == "fort") args.AddRange(["--targets", In("targets.npz")]);
            stages.Add(Hashed(new PipelineStage("finetune", $"energy-based fine-tuning ({fineTune.Steps:N0} steps of {fineTune.BatchSize} samples)",
                [.. args, .. ff], [model], true) { ConfigText = SectionYaml(config.FineTuneSection()) }, stages[^1].Hash));
        }
        stages.Add(Hashed(new PipelineStage("sample", $"{config.Sample.N:N0} samples with log q",
            ["sample", "--model", model, "--n", I(config.Sample.N), "--out", In("samples.npz"), "--seed", I(config.Sample.Seed), "--device", config.Device],
            [In("samples.npz")], false), stages[^1].Hash));
        var reweight = new List<string> { "reweight", "--system", sys, "--samples", In("samples.npz") };
        if (config.Reweight.ClipTop > 0) reweight.AddRange(["--clip-top", F(config.Reweight.ClipTop)]);
        stages.Add(Hashed(new PipelineStage("reweight", "energies and importance weights", [.. reweight, .. ff], [], false), stages[^1].Hash));
        string label = config.Label.Length > 0 ? config.Label
            : $"{objective.ToUpperInvariant()}{(objective == "fort" ? "-" + config.Targets.Kind : "")}{(config.FineTuneEnabled ? "+finetune" : "")}";
        var report = new List<string> { "report", "--system", sys, "--samples", In("samples.npz"), "--reference", data, "--out", In("report"),
            "--label", label, "--model", model, "--bootstrap", I(config.Report.Bootstrap) };
        stages.Add(Hashed(new PipelineStage("report", "metrics, plots and report", [.. report, .. ff], [In("report")], false) { ConfigText = datasetMeta }, stages[^1].Hash));
        if (config.Smc.Enabled)
        {
            var smc = config.Smc;
            stages.Add(Hashed(new PipelineStage("smc", $"SMC from the flow: {smc.N:N0} particles, {smc.Steps} {smc.Schedule} steps ({smc.Kernel})",
                ["smc", "--model", model, "-n", I(smc.N), "--out", In("smc.npz"), "--schedule", smc.Schedule, "--steps", I(smc.Steps),
                 "--kernel", smc.Kernel, "--mcmc-per-step", I(smc.McmcPerStep), "--resample-below", F(smc.ResampleBelow), "--seed", I(smc.Seed),
                 "--device", config.Device, .. ff], [In("smc.npz")], false), upstream: stages.First(s => s.Name == (config.FineTuneEnabled ? "finetune" : "flow")).Hash));
            var smcReport = new List<string> { "report", "--system", sys, "--samples", In("smc.npz"), "--reference", data, "--out", In("report-smc"),
                "--label", label + "+SMC", "--model", model, "--bootstrap", I(config.Report.Bootstrap) };
            stages.Add(Hashed(new PipelineStage("smc-report", "metrics and report of the SMC samples", [.. smcReport, .. ff], [In("report-smc")], false)
                { ConfigText = datasetMeta }, stages[^1].Hash));
        }
        return stages;
    }

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

    /// <summary>The YAML a section is written as (the file its command reads with --config).</summary>
    public static string SectionYaml(Dictionary<string, object?> section) =>
        section.Count == 0 ? "{}\n" : YamlConfig.ToYaml(section);

    private static string I(int v) => v.ToString(CultureInfo.InvariantCulture);

    private static PipelineStage Hashed(PipelineStage stage, string upstream) =>
        stage with { Hash = StageLedger.Hash(stage.Name, string.Join('\u001e', stage.Arguments), stage.ConfigText, upstream) };
}
