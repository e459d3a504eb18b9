using System.ComponentModel;
using BoltzmannGen.Energy;
using Spectre.Console;
using Spectre.Console.Cli;

namespace BoltzmannGen.Cli.Commands;

/// <summary>Options shared by every command that evaluates energies.</summary>
public class EnergyPlatformSettings : CommandSettings
{
    [CommandOption("--platform <NAME>")]
    [Description("OpenMM platform: Reference (default; fastest for 22–42 atoms), CPU, CUDA, OpenCL.")]
    [DefaultValue("Reference")]
    public string Platform { get; init; } = "Reference";

    [CommandOption("--threads <N>")]
    [Description("Worker threads, one OpenMM context each (default: one per core).")]
    public int? Threads { get; init; }

    public override ValidationResult Validate() =>
        Threads is < 1 ? ValidationResult.Error("--threads must be at least 1.") : ValidationResult.Success();

    public EnergyOptions ToOptions() => new() { Platform = Platform, Threads = Threads ?? 0 };
}
