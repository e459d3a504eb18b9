using System.ComponentModel;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Spectre.Console;
using Spectre.Console.Cli;

namespace BoltzmannGen.Cli.Pipeline.Executors;

/// <summary>
/// The options of `bgen run` that choose where its stages run, not what they compute (so they are not part of any
/// stage's hash): the executor and its Slurm resources, one `--stage` alone, or `--status`. The run options proper
/// are <see cref="Commands.RunCommand.Settings"/>, which derives from this.
/// </summary>
public partial class ExecutorSettings : CommandSettings
{
    public const string Local = "local", Slurm = "slurm";

    [CommandOption("--executor <NAME>")]
    [Description("Where the stages run: local (default; one after the other in this process) or slurm (each stage an sbatch job, chained with afterok; `bgen run` submits and returns).")]
    [DefaultValue(Local)]
    public string Executor { get; init; } = Local;

    [CommandOption("--partition <NAME>")]
    [Description("Slurm partition of the jobs (default: the cluster's default partition).")]
    public string? Partition { get; init; }

    [CommandOption("--account <NAME>")]
    [Description("Slurm account the jobs are charged to.")]
    public string? Account { get; init; }

    [CommandOption("--time <TIME>")]
    [Description("Time limit of each stage's job, HH:MM:SS (or any sbatch --time form: MM, D-HH, D-HH:MM:SS).")]
    public string? Time { get; init; }

    [CommandOption("--cpus-per-task <N>")]
    [Description("CPUs of each stage's job (OMP_NUM_THREADS follows it unless set).")]
    public int? CpusPerTask { get; init; }

    [CommandOption("--mem <SIZE>")]
    [Description("Memory of each stage's job, e.g. 8G (sbatch --mem).")]
    public string? Mem { get; init; }

    [CommandOption("--sbatch-arg <ARG>")]
    [Description("More sbatch options for every job, split at spaces, e.g. --sbatch-arg=--qos=long or --sbatch-arg=\"--gres=gpu:1 --nice=10\" (a value starting with - needs the =); repeatable.")]
    public string[] SbatchArgs { get; init; } = [];

    [CommandOption("--stage <NAME>")]
    [Description("Run only this stage of the run, through the ledger (skipped when done, resumed when killed); what each Slurm job runs.")]
    public string? Stage { get; init; }

    [CommandOption("--status")]
    [Description("Show each stage's state (done, running, pending, failed + the end of its log) and return; `bgen run --status --out RUN` reads the run's own config.")]
    public bool Status { get; init; }

    [JsonIgnore]
    public bool IsSlurm => Executor == Slurm;

    /// <summary>The sbatch arguments of every --sbatch-arg, each value split at white space.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> SbatchTokens => SbatchArgs.SelectMany(a => a.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).ToList();

    /// <summary>sbatch options bgen sets itself for every job; --sbatch-arg must not set them again.</summary>
    public static readonly string[] ReservedSbatchOptions =
        ["--output", "-o", "--error", "-e", "--dependency", "-d", "--job-name", "-J", "--array", "-a", "--wrap", "--chdir", "-D",
         "--parsable", "--test-only", "--kill-on-invalid-dep", "--hold", "-H", "--wait", "-W"];

    public override ValidationResult Validate()
    {
        if (Executor is not (Local or Slurm))
            return ValidationResult.Error($"--executor {Executor} is unknown; use local or slurm.");
        if (!IsSlurm)
        {
            var slurmOnly = new (string Name, bool Given)[]
            {
                ("--partition", Partition is not null), ("--account", Account is not null), ("--time", Time is not null),
                ("--cpus-per-task", CpusPerTask is not null), ("--mem", Mem is not null), ("--sbatch-arg", SbatchArgs.Length > 0),
            }.Where(o => o.Given).Select(o => o.Name).ToList();
            // --status takes the submitting command line as it was, Slurm options and all.
            if (slurmOnly.Count > 0 && !Status) return ValidationResult.Error($"{string.Join(", ", slurmOnly)}: Slurm options; add --executor slurm.");
        }
        if (Stage is not null && Status) return ValidationResult.Error("--stage and --status: choose one.");
        if (Stage is not null && IsSlurm)
            return ValidationResult.Error("--stage runs one stage here (it is what each Slurm job runs); it cannot be combined with --executor slurm.");
        if (CpusPerTask is < 1) return ValidationResult.Error($"--cpus-per-task must be at least 1 (got {CpusPerTask}).");
        if (Time is not null && !TimePattern().IsMatch(Time))
            return ValidationResult.Error($"--time {Time}: not a Slurm time; use HH:MM:SS, MM, MM:SS, D-HH, D-HH:MM or D-HH:MM:SS.");
        if (Mem is not null && !MemPattern().IsMatch(Mem)) return ValidationResult.Error($"--mem {Mem}: not a size; use e.g. 4000, 4000M, 8G or 1T.");
        if (Partition is { Length: 0 } || Account is { Length: 0 }) return ValidationResult.Error("--partition and --account must not be empty.");
        foreach (string arg in SbatchTokens)
        {
            if (!arg.StartsWith('-')) return ValidationResult.Error($"--sbatch-arg {arg}: not an sbatch option (give it as --sbatch-arg=--name=value).");
            string name = arg.Split('=', 2)[0];
            // A short option may carry its value attached (-Jname).
            string? reserved = ReservedSbatchOptions.FirstOrDefault(r => r == name)
                               ?? ReservedSbatchOptions.FirstOrDefault(r => r.Length == 2 && !name.StartsWith("--", StringComparison.Ordinal) && name.StartsWith(r, StringComparison.Ordinal));
            if (reserved is not null) return ValidationResult.Error($"--sbatch-arg {arg}: bgen sets {reserved} itself for every job.");
        }
        return ValidationResult.Success();
    }

    [GeneratedRegex(@"^(\d+-\d+(:\d+){0,2}|\d+(:\d+){0,2})$")]
    private static partial Regex TimePattern();

    [GeneratedRegex(@"^\d+[KMGT]?$", RegexOptions.IgnoreCase)]
    private static partial Regex MemPattern();
}
