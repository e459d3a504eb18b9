using System.ComponentModel;
using BoltzmannGen.Systems;
using Spectre.Console;
using Spectre.Console.Cli;

namespace BoltzmannGen.Cli.Commands;

/// <summary>Options of every command that works on one peptide system.</summary>
public class SystemSettings : EnergyPlatformSettings
{
    [CommandOption("--system <NAME>")]
    [Description("Peptide system (see `bgen systems`), e.g. aldp, al3, al4.")]
    public string System { get; init; } = "";

    [CommandOption("--forcefields <DIR>")]
    [Description("Folder of system folders (default: the repository's forcefields/, or $BGEN_FORCEFIELDS).")]
    public string? ForceFields { get; init; }

    public SystemCatalog Catalog() => ForceFields is null ? SystemCatalog.Default() : new SystemCatalog(ForceFields);

    public PeptideSystem LoadSystem() => Catalog().Get(System);

    public override ValidationResult Validate() =>
        string.IsNullOrWhiteSpace(System) ? ValidationResult.Error("--system is required (e.g. --system aldp).") : base.Validate();
}
