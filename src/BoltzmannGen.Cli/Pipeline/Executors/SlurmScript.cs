using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BoltzmannGen.Cli.Commands;

namespace BoltzmannGen.Cli.Pipeline.Executors;

/// <summary>
/// The sbatch script of one stage: #SBATCH lines for its name, log, working folder and resources, and one command,
/// `bgen run SAME OPTIONS --stage NAME` (started in the submitter's working folder), which runs the stage through
/// the run's ledger and prints the stage's own command line. Dependencies go on sbatch's command line, not in the
/// script, so a script can be resubmitted by hand.
/// </summary>
public static class SlurmScript
{
    /// <summary>
    /// The `bgen` arguments of the job of <paramref name="stage"/>: the run's own options exactly as given, without the
    /// executor's options, plus `--stage NAME`. Relative paths stay relative: the job starts in the submitter's working
    /// folder (--chdir), so it plans the very same stages with the very same hashes (paths are part of the hashes).
    /// They parse back into the same run (CommandArgumentsTests).
    /// </summary>
    public static string[] JobArguments(RunCommand.Settings settings, string stage)
    {
        var node = JsonSerializer.SerializeToNode(settings, settings.GetType())!.AsObject();
        var fresh = JsonSerializer.SerializeToNode(new ExecutorSettings())!.AsObject();
        foreach (var (key, value) in fresh) node[key] = value?.DeepClone(); // executor options back to their defaults
        node[nameof(ExecutorSettings.Stage)] = stage;
        var job = (RunCommand.Settings)node.Deserialize(settings.GetType())!;
        return ["run", .. CommandArguments.Render(job)];
    }

    /// <summary>The log of a stage's job: <c>RUN/logs/NAME-%j.out</c> (sbatch replaces %j by the job id).</summary>
    public static string LogPattern(RunPlan plan, string stage) => Path.Combine(plan.FullRunDirectory, "logs", $"{stage}-%j.out");

    public static string LogOf(RunPlan plan, string stage, string job) => LogPattern(plan, stage).Replace("%j", job, StringComparison.Ordinal);

    /// <summary>The #SBATCH options of a stage's job, each "--name=value".</summary>
    public static IReadOnlyList<string> Directives(ExecutorSettings options, RunPlan plan, string stage, string workingDirectory)
    {
        var directives = new List<string>
        {
            $"--job-name=bgen-{Path.GetFileName(plan.FullRunDirectory)}-{stage}",
            $"--output={LogPattern(plan, stage)}",
            $"--chdir={workingDirectory}",
            // Dependents of a failed stage are cancelled, even on clusters without kill_invalid_depend (else they pend forever).
            "--kill-on-invalid-dep=yes",
        };
        if (options.Partition is not null) directives.Add($"--partition={options.Partition}");
        if (options.Account is not null) directives.Add($"--account={options.Account}");
        if (options.Time is not null) directives.Add($"--time={options.Time}");
        if (options.CpusPerTask is { } cpus) directives.Add($"--cpus-per-task={cpus}");
        if (options.Mem is not null) directives.Add($"--mem={options.Mem}");
        directives.AddRange(options.SbatchTokens);
        return directives;
    }

    public static string Render(IReadOnlyList<string> directives, PipelineStage stage, RunPlan plan, string executable, IReadOnlyList<string> jobArguments)
    {
        var script = new StringBuilder("#!/bin/bash\n");
        foreach (var d in directives) script.Append("#SBATCH ").Append(Directive(d)).Append('\n');
        script.Append($"#\n# Stage {stage.Name} of the bgen run {plan.FullRunDirectory}: {OneLine(stage.Description)}.\n");
        script.Append("# Written by `bgen run --executor slurm` (dependencies: sbatch's command line, in .stages/")
              .Append(stage.Name).Append(".slurm.json).\n")
              .Append("# `bgen run --stage` runs the stage through the run's ledger (skipped when done, continued from its\n")
              .Append("# checkpoint when killed); the stage's own command:\n")
              .Append("#   ").Append(OneLine(stage.CommandLine)).Append('\n');
        // Threads follow the job's CPUs unless the submitting environment (exported by sbatch) set them.
        script.Append("export OMP_NUM_THREADS=\"${OMP_NUM_THREADS:-${SLURM_CPUS_PER_TASK:-1}}\"\n");
        script.Append("exec ").Append(string.Join(' ', new[] { executable }.Concat(jobArguments).Select(Shell))).Append('\n');
        return script.ToString();
    }

    /// <summary>A single-quoted shell word.</summary>
    public static string Shell(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,+@%".Contains(c)) ? word : "'" + word.Replace("'", "'\\''") + "'";

    // sbatch reads a #SBATCH value in double quotes when it holds white space.
    private static string Directive(string option)
    {
        var parts = option.Split('=', 2);
        return parts.Length == 2 && parts[1].Any(char.IsWhiteSpace) ? $"{parts[0]}=\"{parts[1]}\"" : option;
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
