using System.Text;
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
    public static string[] JobArguments(RunCommand.Settings settings, string stage) =>
        ["run", .. CommandArguments.Render(RunPlan.RunOptions(settings, stage))];

    /// <summary>
    /// The log of a stage's job: <c>RUN/logs/NAME-%j.out</c> (sbatch replaces %j by the job id); of the tasks of an
    /// array job (a group of stages), <c>RUN/logs/GROUP-%A_%a.out</c> (array job id, task).
    /// </summary>
    public static string LogPattern(RunPlan plan, string stage, bool array = false) =>
        Path.Combine(plan.FullRunDirectory, "logs", array ? $"{stage}-%A_%a.out" : $"{stage}-%j.out");

    /// <summary>The log of <paramref name="job"/> ("123", or an array task's "123_4").</summary>
    public static string LogOf(RunPlan plan, string stage, string job) => Path.Combine(plan.FullRunDirectory, "logs", $"{stage}-{job}.out");

    /// <summary>
    /// The #SBATCH options of a stage's job, each "--name=value"; with <paramref name="arrayTasks"/>, of an array job
    /// of that many tasks named after the group <paramref name="stage"/>.
    /// </summary>
    public static IReadOnlyList<string> Directives(ExecutorSettings options, RunPlan plan, string stage, string workingDirectory, int? arrayTasks = null)
    {
        var directives = new List<string>
        {
            $"--job-name=bgen-{Path.GetFileName(plan.FullRunDirectory)}-{stage}",
            $"--output={LogPattern(plan, stage, arrayTasks is not null)}",
            $"--chdir={workingDirectory}",
            // Dependents of a failed stage are cancelled, even on clusters without kill_invalid_depend (else they pend forever).
            "--kill-on-invalid-dep=yes",
        };
        if (options.Partition is not null) directives.Add($"--partition={options.Partition}");
        if (options.Account is not null) directives.Add($"--account={options.Account}");
        if (options.Time is not null) directives.Add($"--time={options.Time}");
        if (options.CpusPerTask is { } cpus) directives.Add($"--cpus-per-task={cpus}");
        if (options.Mem is not null) directives.Add($"--mem={options.Mem}");
        if (arrayTasks is { } tasks) directives.Add($"--array=0-{tasks - 1}");
        directives.AddRange(options.SbatchTokens);
        return directives;
    }

    /// <summary>The word of the exec line that the array script replaces by its task's stage.</summary>
    private const string StagePlaceholder = "@STAGE@";

    /// <summary>
    /// The script of an array job whose task K runs stage K of <paramref name="stages"/> (independent stages of one
    /// group, e.g. the MD runs of several seeds): `bgen run SAME OPTIONS --stage "${stages[$SLURM_ARRAY_TASK_ID]}"`.
    /// </summary>
    public static string RenderArray(IReadOnlyList<string> directives, IReadOnlyList<PipelineStage> stages, RunPlan plan, string executable,
        RunCommand.Settings settings)
    {
        var script = new StringBuilder("#!/bin/bash\n");
        foreach (var d in directives) script.Append("#SBATCH ").Append(Directive(d)).Append('\n');
        script.Append($"#\n# Stages of the bgen run {plan.FullRunDirectory} that need nothing of each other, one per array task.\n");
        script.Append("# Written by `bgen run --executor slurm`; `bgen run --stage` runs each through the run's ledger. Their own commands:\n");
        for (int k = 0; k < stages.Count; k++)
            script.Append($"#   task {k}, {stages[k].Name} ({OneLine(stages[k].Description)}):\n#     {OneLine(stages[k].CommandLine)}\n");
        script.Append("stages=(").Append(string.Join(' ', stages.Select(s => Shell(s.Name)))).Append(")\n");
        script.Append("export OMP_NUM_THREADS=\"${OMP_NUM_THREADS:-${SLURM_CPUS_PER_TASK:-1}}\"\n");
        string exec = string.Join(' ', new[] { executable }.Concat(JobArguments(settings, StagePlaceholder)).Select(Shell));
        script.Append("exec ").Append(exec.Replace(StagePlaceholder, "\"${stages[$SLURM_ARRAY_TASK_ID]}\"", StringComparison.Ordinal)).Append('\n');
        return script.ToString();
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
