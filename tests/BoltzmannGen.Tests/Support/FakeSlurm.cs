namespace BoltzmannGen.Tests.Support;

/// <summary>
/// sbatch, squeue, scontrol and scancel as small shell scripts in a folder of their own, for tests of
/// `bgen run --executor slurm` without a cluster: sbatch records its arguments and a copy of each script and hands
/// out job ids from 100; squeue answers from a state file the test edits (the last line of a job wins); scancel
/// records and cancels. Put <see cref="Bin"/> (alone) on the PATH of the bgen under test.
/// </summary>
internal sealed class FakeSlurm : IDisposable
{
    private readonly TempDir _dir = new();

    public FakeSlurm(string partitions = "PartitionName=debug AllowGroups=ALL Default=YES State=UP TotalNodes=1")
    {
        Directory.CreateDirectory(Bin);
        File.WriteAllText(_dir.File("partitions"), partitions + "\n");
        string d = _dir.Path;
        Tool("sbatch", $$"""
            d='{{d}}'
            printf '%s\037' "$@" >> "$d/sbatch.log"; printf '\n' >> "$d/sbatch.log"
            for a in "$@"; do
              if [ "$a" = --test-only ]; then
                if [ -f "$d/refuse" ]; then echo "sbatch: error: $(cat "$d/refuse")" >&2; exit 1; fi
                echo "sbatch: Job 99 to start at 2026-12-06T00:00:00 using 1 processors on nodes vm in partition debug" >&2; exit 0
              fi
            done
            n=$(cat "$d/next" 2>/dev/null || echo 100)
            if [ -f "$d/fail-at" ] && [ "$n" -ge "$(cat "$d/fail-at")" ]; then echo "sbatch: error: Batch job submission failed: fake failure" >&2; exit 1; fi
            echo $((n + 1)) > "$d/next"
            script="${@: -1}"; cp "$script" "$d/job-$n.sh"
            echo "$n|PENDING|None|0:00" >> "$d/states"
            echo "$n"
            """);
        Tool("squeue", $$"""
            d='{{d}}'
            ids=""
            while [ $# -gt 0 ]; do case "$1" in -j) ids="$2"; shift ;; esac; shift; done
            found=0
            for id in ${ids//,/ }; do
              line=$(grep "^$id|" "$d/states" 2>/dev/null | tail -1)
              if [ -n "$line" ]; then echo "$line"; found=1; fi
            done
            if [ $found = 0 ]; then echo "slurm_load_jobs error: Invalid job id specified" >&2; exit 1; fi
            """);
        Tool("scontrol", $$"""
            d='{{d}}'
            if [ "$1 $2" = "show partition" ]; then cat "$d/partitions"; exit 0; fi
            if [ "$1 $2" = "show job" ]; then echo "JobId=${@: -1} JobState=FAILED ExitCode=$(cat "$d/exit-${@: -1}" 2>/dev/null || echo 1:0)"; exit 0; fi
            echo "fake scontrol: $*" >&2; exit 1
            """);
        Tool("scancel", $$"""
            d='{{d}}'
            for id in "$@"; do echo "$id" >> "$d/scancel.log"; echo "$id|CANCELLED|None|0:00" >> "$d/states"; done
            """);
    }

    /// <summary>The folder of the fake commands.</summary>
    public string Bin => _dir.File("bin");

    /// <summary>The environment of a bgen using these commands: PATH is this folder alone.</summary>
    public IReadOnlyDictionary<string, string?> Environment => new Dictionary<string, string?> { ["PATH"] = Bin };

    /// <summary>Every sbatch call's arguments, --test-only calls included.</summary>
    public IReadOnlyList<string[]> SbatchCalls =>
        File.Exists(_dir.File("sbatch.log"))
            ? File.ReadAllLines(_dir.File("sbatch.log")).Select(l => l.Split('\u001f', StringSplitOptions.RemoveEmptyEntries)).ToList()
            : [];

    /// <summary>Submissions only (not --test-only).</summary>
    public IReadOnlyList<string[]> Submissions => SbatchCalls.Where(c => !c.Contains("--test-only")).ToList();

    public IReadOnlyList<string> Cancelled => File.Exists(_dir.File("scancel.log")) ? File.ReadAllLines(_dir.File("scancel.log")) : [];

    /// <summary>The script submitted as <paramref name="job"/>.</summary>
    public string Script(string job) => File.ReadAllText(_dir.File($"job-{job}.sh"));

    public void SetState(string job, string state, string reason = "None") =>
        File.AppendAllText(_dir.File("states"), $"{job}|{state}|{reason}|0:42\n");

    public void SetExit(string job, string exitCode) => File.WriteAllText(_dir.File($"exit-{job}"), exitCode);

    /// <summary>sbatch --test-only refuses with this message.</summary>
    public void Refuse(string message) => File.WriteAllText(_dir.File("refuse"), message);

    /// <summary>Submissions from job id <paramref name="job"/> on fail.</summary>
    public void FailFrom(int job) => File.WriteAllText(_dir.File("fail-at"), job.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private void Tool(string name, string body)
    {
        string path = Path.Combine(Bin, name);
        File.WriteAllText(path, "#!/bin/bash\nexport PATH=/usr/bin:/bin\n" + body.Replace("\r\n", "\n") + "\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
    }

    public void Dispose() => _dir.Dispose();
}
