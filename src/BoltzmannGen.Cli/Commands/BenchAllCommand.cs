using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;

namespace BoltzmannGen.Cli.Commands;

/// <summary>
/// `bgen bench` with no sub-command: every benchmark in turn (energy, simulate, flows, teacher), each printing its
/// own table, then the end-to-end pipeline on the smoke preset, and one closing table of what ran and how long.
/// </summary>
public sealed class BenchAllCommand : Command<BenchAllCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--seconds <S>")]
        [Description("Minimum time per measurement in each benchmark.")]
        [DefaultValue(2.0)]
        public double Seconds { get; init; } = 2.0;
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        string s = settings.Seconds.ToString(CultureInfo.InvariantCulture);
        string smoke = Path.Combine(Path.GetTempPath(), "bgen-bench-" + Guid.NewGuid().ToString("N")[..8]);
        var benches = new (string Name, string[] Args)[]
        {
            ("energy", ["bench", "energy", "--seconds", s]),
            ("simulate", ["bench", "simulate", "--seconds", s]),
            ("flows", ["bench", "flows", "--seconds", s, "--archs", "resnvp,nsf"]),
            ("teacher", ["bench", "teacher", "--seconds", s, "--nets", "mlp,egnn", "--layers", "2", "--hidden", "32"]),
            ("end-to-end (smoke preset)", ["run", "--preset", "smoke", "--out", smoke]),
        };
        var summary = new Table().Title("[bold]bgen bench — all[/]").AddColumns("benchmark", "result", "wall time");
        try
        {
            foreach (var (name, args) in benches)
            {
                cancellationToken.ThrowIfCancellationRequested();
                AnsiConsole.Write(new Rule($"[bold]{Markup.Escape(name)}[/]").LeftJustified());
                var clock = Stopwatch.StartNew();
                var errors = new StringWriter();
                int code = BgenApp.Run(args, errors);
                summary.AddRow(Markup.Escape(name), code == 0 ? "ok" : Markup.Escape("failed: " + errors.ToString().Trim()), $"{clock.Elapsed.TotalSeconds:F1} s");
            }
        }
        finally
        {
            if (Directory.Exists(smoke)) Directory.Delete(smoke, recursive: true);
        }
        AnsiConsole.Write(summary);
        AnsiConsole.MarkupLine($"{Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}");
        return 0;
    }
}
