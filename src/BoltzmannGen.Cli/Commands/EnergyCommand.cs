using System.ComponentModel;
using System.Diagnostics;
using BoltzmannGen.Data;
using BoltzmannGen.Energy;
using BoltzmannGen.Reporting;
using Spectre.Console.Cli;
using Spectre.Console;

namespace BoltzmannGen.Cli.Commands;

/// <summary>`bgen energy`: scores conformations with the system's OpenMM force field.</summary>
public sealed class EnergyCommand : Command<EnergyCommand.Settings>
{
    private const int Chunk = 4096;

    public sealed class Settings : SystemSettings
    {
        [CommandOption("-i|--input <FILE>")]
        [Description("Conformations: .pdb (one or many MODELs), .npy (frames, atoms, 3) in nm, or .dcd.")]
        public string Input { get; init; } = "";

        [CommandOption("-o|--out <FILE>")]
        [Description("CSV to write: frame,energy_kj_mol,reduced_energy.")]
        public string Out { get; init; } = "";

        [CommandOption("--forces <FILE>")]
        [Description("Also write forces as .npy (frames, atoms, 3) float64 in kJ/mol/nm.")]
        public string? Forces { get; init; }

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Input)) return ValidationResult.Error("--input is required.");
            if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out is required.");
            return base.Validate();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var system = settings.LoadSystem();
        OutputPath.CheckWritable(settings.Out, "--out");
        if (settings.Forces is not null) OutputPath.CheckWritable(settings.Forces, "--forces");

        var frames = FrameFile.Read(settings.Input, system.AtomCount);
        var clock = Stopwatch.StartNew();
        using var energy = PotentialEnergy.For(system, settings.ToOptions());

        EnergyBatch EvaluateAll(IProgress<int>? progress)
        {
            try
            {
                return energy.EvaluateInChunks(frames.Positions, settings.Forces is not null, Chunk, progress);
            }
            catch (InputException e)
            {
                throw new InputException($"{settings.Input}: {e.Message}", e);
            }
        }

        EnergyBatch result = null!;
        if (frames.Count > Chunk && !Console.IsErrorRedirected)
        {
            AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                    new RemainingTimeColumn(), new SpinnerColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask($"{system.Name} energies", maxValue: frames.Count);
                    result = EvaluateAll(new SynchronousProgress<int>(done => task.Value = done));
                });
        }
        else
        {
            result = EvaluateAll(null);
        }
        var energies = result.Energies;
        var forces = result.Forces;
        double seconds = clock.Elapsed.TotalSeconds;

        // The outputs' writer locks once the frames have been scored (bad frames and platforms are refused without one).
        using var writer = OutputPath.Lock(settings.Out, context);
        using var forcesWriter = settings.Forces is null ? null : OutputPath.Lock(settings.Forces, context);
        EnergyCsv.Write(settings.Out, energies, energy.KT);
        if (forces is not null) Npy.Write(settings.Forces!, forces, frames.Count, system.AtomCount, 3);

        var finite = energies.Where(double.IsFinite).ToArray();
        AnsiConsole.MarkupLine(
            $"{frames.Count} frames of [bold]{system.Name}[/] ({energy.PlatformName}, {energy.Threads} thread(s), {seconds:F2} s) → {Markup.Escape(settings.Out)}");
        if (finite.Length > 0)
            AnsiConsole.MarkupLine($"energy kJ/mol: min {finite.Min():F3}, mean {finite.Average():F3}, max {finite.Max():F3}");
        if (finite.Length < energies.Length)
            AnsiConsole.MarkupLine($"[yellow]{energies.Length - finite.Length} frame(s) have a non-finite energy (atom clash?)[/]");
        return 0;
    }
}
