using System.Diagnostics;
using System.Globalization;

namespace BoltzmannGen.Cli.Pipeline.Executors;

/// <summary>A Slurm job as squeue sees it: its id ("123", or "123_4" for an array task), state and reason.</summary>
public sealed record SlurmJobState(string Id, string State, string Reason, string Elapsed)
{
    /// <summary>States after which a job never runs again (squeue's long names).</summary>
    private static readonly HashSet<string> Ended =
        ["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "PREEMPTED", "BOOT_FAIL", "DEADLINE", "OUT_OF_MEMORY", "REVOKED"];

    /// <summary>Pending, running, completing, suspended, requeued…: it may still run (or is running).</summary>
    public bool IsActive => !Ended.Contains(State) && !WaitsForever;

    /// <summary>
    /// Pending on a dependency that failed: it can never run (clusters without kill_invalid_depend, and jobs submitted
    /// before --kill-on-invalid-dep, leave such jobs pending forever).
    /// </summary>
    public bool WaitsForever => State == "PENDING" && Reason == "DependencyNeverSatisfied";
}

/// <summary>A partition from `scontrol show partition`.</summary>
public sealed record SlurmPartition(string Name, bool IsDefault, int Nodes, string State);

/// <summary>
/// The Slurm client commands bgen uses (sbatch, squeue, scontrol, scancel), found on a PATH, run as processes. Queries
/// use `squeue -t all` and `scontrol`, never sacct (which needs slurmdbd, docs/design.md §8.4).
/// </summary>
public sealed class SlurmClient
{
    private readonly string _path;

    /// <param name="path">The PATH to find the commands on (and to give them); null: this process's PATH.</param>
    public SlurmClient(string? path = null) => _path = path ?? Environment.GetEnvironmentVariable("PATH") ?? "";

    /// <summary>The full path of <paramref name="tool"/> on the PATH, or null.</summary>
    public string? Find(string tool) =>
        _path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, tool))
            .FirstOrDefault(f => File.Exists(f) && (OperatingSystem.IsWindows() || (File.GetUnixFileMode(f) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0));

    /// <summary>Whether job states can be asked for (squeue on the PATH).</summary>
    public bool CanQuery => Find("squeue") is not null;

    /// <summary>Runs a Slurm command; a command that is not on the PATH is an <see cref="InputException"/>.</summary>
    public (int Code, string Out, string Error) Run(string tool, IEnumerable<string> args, int timeoutSeconds = 120)
    {
        string file = Find(tool) ?? throw new InputException($"{tool} is not on PATH ({_path}); --executor slurm needs the Slurm client commands (sbatch, squeue, scontrol, scancel).");
        var info = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["PATH"] = _path;
        using var process = Process.Start(info) ?? throw new InputException($"{file} could not be started.");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds)))
        {
            process.Kill();
            throw new InputException($"{tool} {string.Join(' ', args)} did not answer within {timeoutSeconds} s (is slurmctld up? `scontrol ping`).");
        }
        return (process.ExitCode, output.Result, error.Result);
    }

    /// <summary>
    /// squeue's view of the given jobs, by id; jobs Slurm no longer remembers (older than its MinJobAge) are absent.
    /// An array job's tasks come as "ID_TASK"; a pending array's tasks not yet split off as "ID_[0-3]".
    /// </summary>
    public IReadOnlyDictionary<string, SlurmJobState> States(IEnumerable<string> jobIds)
    {
        var ids = jobIds.Distinct().ToList();
        var states = new Dictionary<string, SlurmJobState>(StringComparer.Ordinal);
        if (ids.Count == 0) return states;
        var (code, output, error) = Run("squeue", ["-h", "-t", "all", "-j", string.Join(',', ids), "-o", "%i|%T|%r|%M"]);
        if (code != 0)
        {
            // All of them forgotten: "slurm_load_jobs error: Invalid job id specified".
            if (error.Contains("Invalid job id", StringComparison.OrdinalIgnoreCase)) return states;
            throw new InputException($"squeue failed: {FirstLine(error, output)}");
        }
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var f = line.Split('|');
            if (f.Length < 4) continue;
            foreach (var id in Expand(f[0])) states[id] = new SlurmJobState(id, f[1], f[2], f[3]);
        }
        return states;
    }

    /// <summary>"123", "123_4", or a pending array's "123_[0-3,5%2]" as its tasks 123_0 … 123_3, 123_5.</summary>
    public static IEnumerable<string> Expand(string id)
    {
        int open = id.IndexOf("_[", StringComparison.Ordinal);
        if (open < 0 || !id.EndsWith(']')) { yield return id; yield break; }
        string job = id[..open];
        foreach (var part in id[(open + 2)..^1].Split('%')[0].Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var ends = part.Split('-');
            if (!int.TryParse(ends[0], NumberStyles.None, CultureInfo.InvariantCulture, out int first)) continue;
            int last = ends.Length > 1 && int.TryParse(ends[1], NumberStyles.None, CultureInfo.InvariantCulture, out int l) ? l : first;
            for (int task = first; task <= last; task++) yield return $"{job}_{task}";
        }
    }

    /// <summary>"exit code 2" or "killed by signal 9" from `scontrol show job`, or null when Slurm does not say.</summary>
    public string? ExitOf(string jobId)
    {
        var (code, output, _) = Run("scontrol", ["show", "job", "-o", jobId]);
        if (code != 0) return null;
        var field = output.Split(' ', '\n').FirstOrDefault(t => t.StartsWith("ExitCode=", StringComparison.Ordinal));
        var parts = field?["ExitCode=".Length..].Split(':');
        if (parts is not [var exit, var signal]) return null;
        return signal != "0" ? $"killed by signal {signal}" : $"exit code {exit}";
    }

    public IReadOnlyList<SlurmPartition> Partitions()
    {
        var (code, output, error) = Run("scontrol", ["show", "partition", "-o"]);
        if (code != 0) throw new InputException($"scontrol show partition failed: {FirstLine(error, output)}");
        var partitions = new List<SlurmPartition>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(t => t.Split('=', 2)).Where(kv => kv.Length == 2)
                .GroupBy(kv => kv[0]).ToDictionary(g => g.Key, g => g.First()[1]);
            if (!fields.TryGetValue("PartitionName", out var name)) continue;
            partitions.Add(new SlurmPartition(name, fields.GetValueOrDefault("Default") == "YES",
                int.TryParse(fields.GetValueOrDefault("TotalNodes"), NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : 0,
                fields.GetValueOrDefault("State") ?? "UNKNOWN"));
        }
        return partitions;
    }

    /// <summary>`sbatch --parsable ARGS SCRIPT`: the new job's id.</summary>
    public string Submit(string script, IEnumerable<string> args)
    {
        var (code, output, error) = Run("sbatch", ["--parsable", .. args, script]);
        string id = output.Trim().Split(';')[0];
        if (code != 0 || id.Length == 0 || !id.All(char.IsAsciiDigit))
            throw new InputException($"sbatch refused {Path.GetFileName(script)}: {FirstLine(error, output)}");
        return id;
    }

    /// <summary>`sbatch --test-only`: null when Slurm would take the job, else its error.</summary>
    public string? TestSubmit(string script, IEnumerable<string> args)
    {
        var (code, output, error) = Run("sbatch", ["--test-only", .. args, script]);
        return code == 0 ? null : FirstLine(error, output);
    }

    public void Cancel(IEnumerable<string> jobIds)
    {
        var ids = jobIds.ToList();
        if (ids.Count > 0) Run("scancel", ids);
    }

    /// <summary>The first line saying something, without sbatch's "sbatch: error: " prefix.</summary>
    private static string FirstLine(params string[] texts)
    {
        string line = texts.SelectMany(t => t.Split('\n')).Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? "(no message)";
        foreach (var prefix in new[] { "sbatch: error: ", "error: " })
            if (line.StartsWith(prefix, StringComparison.Ordinal)) line = line[prefix.Length..];
        return line;
    }
}
