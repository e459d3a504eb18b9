using System.ComponentModel;
using BoltzmannGen.Reporting;
using Spectre.Console;
using Spectre.Console.Cli;

namespace BoltzmannGen.Cli.Commands;

/// <summary>`bgen compare`: several runs' reports side by side (MLE vs FORT, per architecture, per system).</summary>
public sealed class CompareCommand : Command<CompareCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<REPORT>")]
        [Description("Report folders (or report.json files) of the runs to compare.")]
        public string[] Reports { get; init; } = [];

        [CommandOption("-o|--out <DIR>")]
        [Description("Folder for comparison.md, .csv, .html and .png.")]
        public string Out { get; init; } = "";

        public override ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Out) ? ValidationResult.Error("--out is required (e.g. comparison/).")
            : Reports.Length < 1 ? ValidationResult.Error("give at least one report folder.") : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        OutputPath.CheckFolder(settings.Out, "--out", "the comparison");
        var files = settings.Reports.Select(ReportFile).ToList();
        using var writer = OutputPath.Lock(settings.Out, context);
        var runs = new List<RunReport>();
        foreach (var file in files)
        {
            try { runs.Add(RunReport.Read(file)); }
            catch (InvalidDataException e) { throw new InputException(e.Message, e); }
        }
        Comparison.Write(settings.Out, runs);
        var (header, rows) = Comparison.Table(runs);
        var table = new Table();
        foreach (var h in header) table.AddColumn(Markup.Escape(h));
        foreach (var (label, system, values) in rows)
            table.AddRow([Markup.Escape(label), system, .. values.Select(v => v is { } x ? x.ToString("G4") : "—")]);
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"comparison of {runs.Count} run(s) → {Markup.Escape(Path.Combine(settings.Out, "comparison.html"))}");
        return 0;
    }

    private static string ReportFile(string path)
    {
        string file = Directory.Exists(path) ? Path.Combine(path, "report.json") : path;
        return File.Exists(file) ? file : throw new InputException($"{path}: no report.json (make it with `bgen report`).");
    }
}
