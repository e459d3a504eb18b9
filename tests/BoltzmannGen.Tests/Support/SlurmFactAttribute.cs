using System.Diagnostics;

namespace BoltzmannGen.Tests.Support;

/// <summary>
/// A fact that needs a running Slurm cluster whose default partition takes jobs (tools/slurm_start.sh starts a
/// one-node one; .ci/run does): reported as skipped, with the reason, where there is none. xunit 2 has no dynamic
/// skip, so the cluster is asked once, when the tests are discovered.
/// </summary>
public sealed class SlurmFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> Missing = new(WhyNoCluster);

    /// <summary>Set to 1 (as .ci/run does) to have the Slurm tests fail, not skip, where no cluster runs.</summary>
    public const string RequireVariable = "BGEN_REQUIRE_SLURM";

    public SlurmFactAttribute()
    {
        if (Missing.Value is { } reason && Environment.GetEnvironmentVariable(RequireVariable) != "1")
            Skip = $"no Slurm cluster ({reason}): start one with tools/slurm_start.sh (root), as .ci/run does";
    }

    /// <summary>Fails the test, naming what is missing, when there is no cluster (only reached with <see cref="RequireVariable"/>=1).</summary>
    public static void RequireCluster()
    {
        if (Missing.Value is { } reason) Assert.Fail($"{RequireVariable}=1 but there is no Slurm cluster: {reason} (tools/slurm_start.sh starts one)");
    }

    /// <summary>The partition the tests submit to: the cluster's default.</summary>
    public static string? Partition { get; private set; }

    private static string? WhyNoCluster()
    {
        var (code, output) = Run("scontrol", "show", "partition", "-o");
        if (code is null) return "scontrol is not on PATH";
        if (code != 0) return $"scontrol show partition: {output.Trim()}";
        var line = output.Split('\n').FirstOrDefault(l => l.Contains("Default=YES", StringComparison.Ordinal));
        if (line is null) return "no default partition";
        Partition = line.Split(' ')[0]["PartitionName=".Length..];
        var (_, nodes) = Run("sinfo", "-h", "-p", Partition, "-o", "%T");
        var states = nodes.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return states.Any(s => s is "idle" or "mixed" or "allocated" or "completing")
            ? null
            : $"no node of partition {Partition} takes jobs ({string.Join(", ", states)})";
    }

    internal static (int? Code, string Output) Run(string tool, params string[] args)
    {
        try
        {
            var info = new ProcessStartInfo(tool) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in args) info.ArgumentList.Add(a);
            using var p = Process.Start(info)!;
            var output = p.StandardOutput.ReadToEndAsync();
            var error = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(TimeSpan.FromSeconds(30))) { p.Kill(); return (-1, "timed out"); }
            return (p.ExitCode, output.Result + error.Result);
        }
        catch (System.ComponentModel.Win32Exception) { return (null, ""); }
    }
}
