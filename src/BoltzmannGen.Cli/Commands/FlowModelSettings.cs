using System.ComponentModel;
using Spectre.Console.Cli;

namespace BoltzmannGen.Cli.Commands;

/// <summary>Options of commands that use a trained model.</summary>
public class FlowModelSettings : CommandSettings
{
    [CommandOption("--model <DIR>")]
    [Description("Trained model folder (written by `bgen train`).")]
    public string Model { get; init; } = "";

    [CommandOption("--device <DEVICE>")]
    [Description("cpu, cuda or auto (cuda when available).")]
    [DefaultValue("auto")]
    public string Device { get; init; } = "auto";

    [CommandOption("--batch <N>")]
    [Description("Conformations per forward pass.")]
    [DefaultValue(10000)]
    public int Batch { get; init; } = 10000;

    public override Spectre.Console.ValidationResult Validate() =>
        string.IsNullOrWhiteSpace(Model) ? Spectre.Console.ValidationResult.Error("--model is required.")
        : Batch < 1 ? Spectre.Console.ValidationResult.Error("--batch must be at least 1.") : Spectre.Console.ValidationResult.Success();
}
