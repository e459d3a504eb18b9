using System.ComponentModel;
using BoltzmannGen.Flows;
using BoltzmannGen.Systems;
using Spectre.Console.Cli;

namespace BoltzmannGen.Cli.Commands;

/// <summary>Options of commands that continue from a trained model and score with the force field (finetune, smc).</summary>
public class TrainedModelSettings : EnergyPlatformSettings
{
    [CommandOption("--model <DIR>")]
    [Description("Trained model folder (`bgen train` or `bgen finetune`); it is not modified.")]
    public string Model { get; init; } = "";

    [CommandOption("--system <NAME>")]
    [Description("Peptide system; default: the model's. A model of another system is refused.")]
    public string? System { get; init; }

    [CommandOption("--forcefields <DIR>")]
    [Description("Folder of system folders (default: the repository's forcefields/, or $BGEN_FORCEFIELDS).")]
    public string? ForceFields { get; init; }

    /// <summary>The model's model.json and its system (--system when given, else the model's own).</summary>
    public (ModelInfo Info, PeptideSystem System) LoadModelAndSystem()
    {
        var info = ModelDirectory.ReadInfo(Model);
        var catalog = ForceFields is null ? SystemCatalog.Default() : new SystemCatalog(ForceFields);
        return (info, catalog.Get(System ?? info.System));
    }
}
