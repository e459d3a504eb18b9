using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using BoltzmannGen.Cli.Pipeline;
using BoltzmannGen.Data;
using BoltzmannGen.Optimisation;
using BoltzmannGen.Reporting;
using BoltzmannGen.Sampling;
using BoltzmannGen.Systems;
using Spectre.Console;
using Spectre.Console.Cli;

namespace BoltzmannGen.Cli.Commands;

/// <summary>
/// `bgen run`: from MD data to a report in one command. Each stage is a bgen command run in this process; a stage
/// whose outputs exist for the same configuration is skipped, a killed one continues from its checkpoint.
/// </summary>
public sealed class RunCommand : Command<RunCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--system <NAME>")]
        [Description("Peptide system (overrides the preset's system), e.g. aldp, al3, al4.")]
        public string? System { get; init; }

        [CommandOption("--preset <NAME>")]
        [Description("A preset in configs/presets: quick (default, ≤ 15 min for aldp on 2 cores), full (the quality run), smoke (CI).")]
        [DefaultValue("quick")]
        public string Preset { get; init; } = "quick";

        [CommandOption("--config <FILE>")]
        [Description("A run config (same shape as the presets); replaces the preset.")]
        public string? Config { get; init; }

        [CommandOption("-o|--out <DIR>")]
        [Description("Run folder (default runs/<system>-<preset>).")]
        public string? Out { get; init; }

        [CommandOption("--objective <NAME>")]
        [Description("fort or mle (sets flow.objective).")]
        public string? Objective { get; init; }

        [CommandOption("--arch <NAME>")]
        [Description("nsf, resnvp or tarflow (sets flow.arch).")]
        public string? Arch { get; init; }

        [CommandOption("--forcefields <DIR>")]
        [Description("Folder of system folders (default: the repository's forcefields/).")]
        public string? ForceFields { get; init; }

        [CommandArgument(0, "[KEY=VALUE]")]
        [Description("Overrides of any stage's option, e.g. flow.steps=2000 targets.pairs=50000 sample.n=50000.")]
        public string[] Overrides { get; init; } = [];
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
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
        string preset = settings.Config is null ? settings.Preset : Path.GetFileNameWithoutExtension(configPath);
        string run = settings.Out ?? (config.Out.Length > 0 ? config.Out : Path.Combine("runs", $"{system.Name}-{preset}"));
        OutputPath.CheckFolder(run, "--out", "the run");
        // The run folder's writer lock; each stage takes its own output's as well (locks are per path).
        using var writer = OutputPath.Lock(run, context);
        Directory.CreateDirectory(run);

        var stages = PipelinePlan.Build(config, run, Path.Combine(repository, "data", system.Name), settings.ForceFields);
        AtomicFile.Write(Path.Combine(run, "run.yaml"), s => s.Write(global::System.Text.Encoding.UTF8.GetBytes(config.ToYaml())));
        // The configs the teacher, flow and finetune stages read (--config), each its section as a whole record.
        File.WriteAllText(Path.Combine(run, "teacher.yaml"), config.Teacher.ToYaml());
        File.WriteAllText(Path.Combine(run, "flow.yaml"), config.Flow.ToYaml());
        if (config.Finetune.Enabled) File.WriteAllText(Path.Combine(run, "finetune.yaml"), config.Finetune.ToYaml());

        var ledger = new StageLedger(run);
        var clock = Stopwatch.StartNew();
        var times = new List<(string Stage, double Seconds, string State)>();
        for (int k = 0; k < stages.Count; k++)
        {
            var stage = stages[k];
            cancellationToken.ThrowIfCancellationRequested();
            string header = $"stage {k + 1}/{stages.Count}: {stage.Name} — {stage.Description}";
            if (ledger.Finished(stage.Name) is { } done && done.Hash == stage.Hash && stage.Outputs.All(Exists))
            {
                AnsiConsole.MarkupLine($"[grey]{Markup.Escape(header)}: done earlier ({done.Seconds:F0} s), skipped[/]");
                times.Add((stage.Name, done.Seconds, "skipped (done earlier)"));
                continue;
            }
            AnsiConsole.Write(new Rule($"[bold]{Markup.Escape(header)}[/] [grey](elapsed {clock.Elapsed:hh\\:mm\\:ss})[/]").LeftJustified());
            bool resume = stage.Resumable && ledger.Started(stage.Name)?.Hash == stage.Hash && HasCheckpoint(stage);
            var command = resume ? stage.Command.Resumed() : stage.Command;
            if (!resume) foreach (var output in stage.Outputs) Remove(output, context);
            AnsiConsole.MarkupLine($"[grey]{Markup.Escape(command.CommandLine)}[/]");
            ledger.MarkStarted(stage.Name, stage.Hash);
            var stageClock = Stopwatch.StartNew();
            int code = RunStage(stage, command, cancellationToken);
            if (code == BgenApp.Interrupted)
            {
                AnsiConsole.MarkupLine($"[yellow]stopped in stage {Markup.Escape(stage.Name)}; rerun the same `bgen run` command to continue.[/]");
                return BgenApp.Interrupted;
            }
            if (code != 0) throw new InputException($"stage {stage.Name} failed with exit code {code} (rerun `bgen run` with the same options to continue).");
            ledger.MarkFinished(stage.Name, stage.Hash, stageClock.Elapsed.TotalSeconds);
            times.Add((stage.Name, stageClock.Elapsed.TotalSeconds, "ran"));
        }
        PrintSummary(run, times, clock.Elapsed.TotalSeconds);
        return 0;
    }

    /// <summary>
    /// Runs a stage's command in this process. Bad input (InputException) ends the run, naming the stage. A resumable
    /// stage hit by TorchSharp's freed-Scalar race (<see cref="NativeFailureCause.FreedScalarRace"/>; training steps,
    /// validation, reflow chunks and sample batches run inside a FinalizerFence, which closes that window) continues
    /// from its last checkpoint, up to ten times, instead of losing the run.
    /// </summary>
    private static int RunStage(PipelineStage stage, StageCommand command, CancellationToken cancellation)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return command.Execute(cancellation);
            }
            catch (InputException e)
            {
                throw new InputException($"stage {stage.Name} failed: {e.Message} (rerun `bgen run` with the same options to continue).", e);
            }
            catch (Exception e) when (stage.Resumable && attempt <= MaxRetries && NativeFailure.Classify(e) == NativeFailureCause.FreedScalarRace)
            {
                AnsiConsole.MarkupLine($"[yellow]stage {stage.Name}: libtorch reported a freed Scalar (a known TorchSharp race) {Markup.Escape(FirstFrame(e))}; " +
                                       $"continuing from the last checkpoint (attempt {attempt + 1}).[/]");
                // Continue from a checkpoint when one was written; before the first one, start the stage again.
                if (HasCheckpoint(stage)) command = stage.Command.Resumed();
                else
                {
                    command = stage.Command;
                    foreach (var output in stage.Outputs) Remove(output, null);
                }
            }
        }
    }

    private const int MaxRetries = 10;

    /// <summary>Where in managed code the native error surfaced ("in AdamW.step"), to tell the sites of the race apart.</summary>
    private static string FirstFrame(Exception e)
    {
        var frame = new StackTrace(e).GetFrames().FirstOrDefault(f => f.GetMethod()?.DeclaringType?.Namespace is { } ns && !ns.StartsWith("TorchSharp", StringComparison.Ordinal)
                                                                            && !ns.StartsWith("System", StringComparison.Ordinal));
        var method = frame?.GetMethod();
        return method is null ? "" : $"in {method.DeclaringType?.Name}.{method.Name}";
    }

    /// <summary>Whether a killed stage left something to continue from: a training checkpoint, MD's or reflow's .partial folder.</summary>
    private static bool HasCheckpoint(PipelineStage stage) =>
        stage.Outputs.Any(o => Directory.Exists(Path.Combine(o, "checkpoint")) || Directory.Exists(Path.Combine(o, ".partial")) || Directory.Exists(o + ".partial"));

    private static bool Exists(string path) => File.Exists(path) || Directory.Exists(path);

    /// <summary>
    /// Deletes a stale stage output, under its writer lock when <paramref name="context"/> is given: an output another
    /// process is writing (a `bgen train --out` of the same folder) is refused by name, not deleted under it. The lock
    /// is released at once; the stage takes it again.
    /// </summary>
    private static void Remove(string path, CommandContext? context)
    {
        if (!File.Exists(path) && !Directory.Exists(path)) return;
        using var writer = context is null ? null : OutputPath.Lock(path, context);
        if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        else if (File.Exists(path)) File.Delete(path);
    }

    /// <summary>The figures a user came for, read back from report.json, and the wall time of every stage.</summary>
    private static void PrintSummary(string run, List<(string Stage, double Seconds, string State)> times, double total)
    {
        var table = new Table().Title("[bold]bgen run — summary[/]").AddColumns("", "value");
        string reportJson = Path.Combine(run, "report", "report.json");
        if (File.Exists(reportJson))
        {
            var r = RunReport.Read(reportJson);
            string N(double? v, string format) => v is { } x ? x.ToString(format, CultureInfo.InvariantCulture) : "—";
            table.AddRow("samples", $"{r.NSamples:N0}");
            table.AddRow("ESS fraction", N(r.EssFraction, "P3"));
            table.AddRow($"ESS fraction, top {r.EssClipTop ?? 0:P1} of weights clipped", N(r.EssClippedFraction, "P3"));
            table.AddRow("E-W1 (k_BT, reweighted)", N(r.EW1, "F3"));
            table.AddRow("T-W2 (rad)", N(r.TW2, "F3"));
            for (int i = 0; i < r.DeltaF.Count; i++)
                table.AddRow($"ΔF(φ>0 vs φ<0) {r.ResidueName(i)}: flow / MD (k_BT)",
                    $"{N(r.DeltaF[i], "F2")} / {N(i < r.DeltaFMd.Count ? r.DeltaFMd[i] : null, "F2")}");
            table.AddRow("samples with log q per second", N(r.Efficiency.SamplesPerSecond, "N0"));
            if (r.EnergyEvaluations.Training is { } trainingEvaluations)
                table.AddRow("energy evaluations: training / sampling", $"{trainingEvaluations:N0} / {r.EnergyEvaluations.Sampling:N0}");
            table.AddRow("effective samples per second: flow / MD",
                $"{N(r.Efficiency.EffectiveSamplesPerSecond, "G3")} / {N(r.Efficiency.MdEffectiveSamplesPerSecond, "G3")}");
            table.AddRow("effective samples per second, training time included", N(r.Efficiency.EffectiveSamplesPerSecondWithTraining, "G3"));
        }
        foreach (var (stage, seconds, state) in times) table.AddRow($"time: {stage}", $"{seconds:F0} s ({state})");
        table.AddRow("time: this invocation", $"{total:F0} s");
        AnsiConsole.Write(table);
        string html = Path.Combine(run, "report", "report.html");
        AnsiConsole.MarkupLine($"[bold green]Report:[/] {Markup.Escape(Path.GetFullPath(html))}");
    }

}
