using System.ComponentModel;
using BoltzmannGen.Energy;
using Spectre.Console;
using Spectre.Console.Cli;

namespace BoltzmannGen.Cli.Commands;

/// <summary>
/// Options shared by every command that evaluates energies. A command that inherits them without using one says why
/// (<see cref="PlatformUnused"/>, <see cref="ThreadsUnused"/>), and the option is refused when given rather than ignored.
/// </summary>
public class EnergyPlatformSettings : CommandSettings
{
    [CommandOption("--platform <NAME>")]
    [Description("OpenMM platform: Reference (default; fastest for 22–42 atoms), CPU, CUDA, OpenCL.")]
    public string? PlatformName { get; init; }

    /// <summary>The OpenMM platform: --platform, or Reference.</summary>
    public string Platform => PlatformName ?? "Reference";

    [CommandOption("--threads <N>")]
    [Description("Worker threads, one OpenMM context each (default: one per core; at most 256).")]
    public int? Threads { get; init; }

    /// <summary>Why this command has no use for --platform (it is then refused), or null when it uses it.</summary>
    protected virtual string? PlatformUnused => null;

    /// <summary>Why this command has no use for --threads (it is then refused), or null when it uses it.</summary>
    protected virtual string? ThreadsUnused => null;

    public override ValidationResult Validate()
    {
        if (PlatformName is not null && PlatformUnused is { } platform) return ValidationResult.Error($"--platform does not apply here: {platform}.");
        if (Threads is not null && ThreadsUnused is { } threads) return ValidationResult.Error($"--threads does not apply here: {threads}.");
        if (Threads is { } n && EnergyOptions.ThreadsProblem(n, "--threads") is { } problem) return ValidationResult.Error(problem);
        return ValidationResult.Success();
    }

    public EnergyOptions ToOptions() => new() { Platform = Platform, Threads = Threads ?? 0 };
}
