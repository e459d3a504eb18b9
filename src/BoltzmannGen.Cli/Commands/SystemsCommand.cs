using System.ComponentModel;
using System.Globalization;
using BoltzmannGen.Systems;
using Spectre.Console;
using Spectre.Console.Cli;

namespace BoltzmannGen.Cli.Commands;

public sealed class SystemsCommand : Command<SystemsCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--forcefields <DIR>")]
        [Description("Folder of system folders (default: the repository's forcefields/, or $BGEN_FORCEFIELDS).")]
        public string? ForceFields { get; init; }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var catalog = settings.ForceFields is null ? SystemCatalog.Default() : new SystemCatalog(settings.ForceFields);
        var table = new Table().AddColumns("name", "molecule", "residues", "atoms", "force field", "solvent", "temperature");
        foreach (var s in catalog.All)
        {
            table.AddRow(s.Name, Markup.Escape(s.Info.ShortMolecule), string.Join("-", s.Info.Residues), s.AtomCount.ToString(CultureInfo.InvariantCulture),
                s.Info.ForceField, s.Info.Solvent, $"{s.TemperatureK.ToString(CultureInfo.InvariantCulture)} K");
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"[grey]from {Markup.Escape(catalog.ForceFieldsDirectory)}[/]");
        return 0;
    }
}
