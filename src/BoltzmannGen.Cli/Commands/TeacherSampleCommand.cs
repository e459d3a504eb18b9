using System.ComponentModel;
using BoltzmannGen.Sampling;
using BoltzmannGen.Systems;
using BoltzmannGen.Teacher.Ode;
using Spectre.Console.Cli;
using Spectre.Console;

namespace BoltzmannGen.Cli.Commands;

/// <summary>`bgen teacher sample`: conformations from the CNF teacher with log q from the integrated divergence.</summary>
public sealed class TeacherSampleCommand : Command<TeacherSampleCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--model <DIR>")]
        [Description("Teacher folder (from `bgen teacher train`).")]
        public string Model { get; init; } = "";

        [CommandOption("-n|--samples <N>")]
        [Description("Number of conformations (also accepted as --n).")]
        [DefaultValue(2000)]
        public int Count { get; init; } = 2000;

        [CommandOption("-o|--out <FILE>")]
        [Description("samples.npz: positions (n, atoms, 3) float32 nm, log_q (n) float64.")]
        public string Out { get; init; } = "";

        [CommandOption("--solver <NAME>")]
        [Description("euler, midpoint, rk4 or dopri5 (adaptive).")]
        [DefaultValue("rk4")]
        public string Solver { get; init; } = "rk4";

        [CommandOption("--steps <N>")]
        [Description("Steps of a fixed-step solver.")]
        [DefaultValue(50)]
        public int Steps { get; init; } = 50;

        [CommandOption("--atol <X>")]
        [Description("dopri5: absolute error tolerance per step.")]
        [DefaultValue(1e-4)]
        public double Atol { get; init; } = 1e-4;

        [CommandOption("--rtol <X>")]
        [Description("dopri5: relative error tolerance per step.")]
        [DefaultValue(1e-4)]
        public double Rtol { get; init; } = 1e-4;

        [CommandOption("--divergence <NAME>")]
        [Description("exact (trace of the Jacobian; log q exact up to the ODE error) or hutchinson (a stochastic estimate: log q is then NOT exact).")]
        [DefaultValue("exact")]
        public string Divergence { get; init; } = "exact";

        [CommandOption("--batch <N>")]
        [Description("Conformations per ODE solve.")]
        [DefaultValue(500)]
        public int Batch { get; init; } = 500;

        [CommandOption("--seed <N>")]
        [Description("Seed of the prior draws (and of Hutchinson probes).")]
        [DefaultValue(1)]
        public int Seed { get; init; } = 1;

        [CommandOption("--device <DEVICE>")]
        [Description("cpu, cuda or auto (cuda when available).")]
        [DefaultValue("auto")]
        public string Device { get; init; } = "auto";

        [CommandOption("--forcefields <DIR>")]
        [Description("Folder of system folders (default: the repository's forcefields/).")]
        public string? ForceFields { get; init; }

        public override ValidationResult Validate() =>
            string.IsNullOrWhiteSpace(Model) ? ValidationResult.Error("--model is required.")
            : string.IsNullOrWhiteSpace(Out) ? ValidationResult.Error("--out is required.")
            : Count < 1 || Batch < 1 || Steps < 1 ? ValidationResult.Error("--n, --batch and --steps must be at least 1.")
            : !(Atol > 0) || !(Rtol > 0) || !double.IsFinite(Atol) || !double.IsFinite(Rtol) ? ValidationResult.Error("--atol and --rtol must be positive and finite.")
            : ValidationResult.Success();
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        OutputPath.CheckWritable(settings.Out, "--out");
        var options = new CnfOptions { Solver = settings.Solver, Steps = settings.Steps, Atol = settings.Atol, Rtol = settings.Rtol, Divergence = settings.Divergence, Seed = settings.Seed };
        var catalog = settings.ForceFields is null ? SystemCatalog.Default() : new SystemCatalog(settings.ForceFields);
        var request = new TeacherSampleRequest(settings.Model, catalog, options, settings.Out, OutputPath.CommandLine(context), settings.Count,
                                               settings.Batch, settings.Device);
        var result = TeacherSampling.Run(request, SampleProgress.Show, cancellationToken);
        AnsiConsole.MarkupLine($"{settings.Count} CNF samples of {result.Info.System} with log q in {result.Seconds:F1} s ({settings.Count / result.Seconds:N1}/s) → {Markup.Escape(settings.Out)}");
        if (result.LogQIsEstimate)
            AnsiConsole.MarkupLine("[yellow]log q comes from Hutchinson's stochastic trace estimate: importance weights built on it are not exact.[/]");
        return 0;
    }
}
