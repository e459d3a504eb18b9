using System.Globalization;
using BoltzmannGen.Analysis;
using BoltzmannGen.Data;
using BoltzmannGen.Datasets;
using BoltzmannGen.Systems;

namespace BoltzmannGen.Simulation;

/// <summary>What `bgen simulate` runs and where it writes.</summary>
/// <param name="Out">the dataset folder; the run's checkpoints go to OUT/.partial</param>
/// <param name="Command">the command line recorded in meta.json</param>
/// <param name="Writer">who holds OUT's writer lock while the run goes (docs/design.md §5.8): the command line</param>
/// <param name="Resume">continue the interrupted run in OUT/.partial</param>
/// <param name="Force">replace a dataset (or an interrupted run) already in OUT</param>
public sealed record ReferenceSimulationRequest(PeptideSystem System, MDOptions Options, string Out, string Command, string Writer,
                                                bool Resume = false, bool Force = false);

/// <summary>The dataset written and the run that made it.</summary>
public sealed record ReferenceSimulationResult(ReferenceDataset Dataset, MDResult Run);

/// <summary>
/// Reference MD written as a dataset folder (`bgen simulate`; docs/design.md §5.1): plain Langevin, independent
/// replicas or temperature replica exchange (<see cref="MDRun"/>), checkpointed in OUT/.partial so a killed run
/// continues with Resume, then the frames with their statistics (autocorrelation times, effective samples, φ > 0
/// population) and meta.json, written as one folder.
/// </summary>
public static class ReferenceSimulation
{
    /// <param name="display">shows the run's progress (equilibration, then production)</param>
    /// <param name="note">told when the dataset's temperature is not the system's</param>
    public static ReferenceSimulationResult Run(ReferenceSimulationRequest request, ProgressDisplay<MDProgress> display, Action<string>? note = null,
                                                CancellationToken cancellation = default)
    {
        var (system, options) = (request.System, request.Options);
        var temperatures = options.TemperaturesK.ToArray();
        options.Validate();
        if (Math.Abs(temperatures[0] - system.TemperatureK) > 1e-9)
            note?.Invoke($"note: the dataset will be at {temperatures[0]} K; {system.Name} is defined at {system.TemperatureK} K.");

        string work = Path.Combine(request.Out, ".partial");
        using var writer = WriterLock.Acquire(request.Out, request.Writer);
        if (ReferenceDataset.Exists(request.Out) && !request.Force)
            throw new InputException($"{request.Out} already holds a dataset; pass --force to replace it.");
        PrepareOutput(request, work);

        MDResult result = null!;
        using (var run = new MDRun(system, options, work, request.Resume))
            display("reference MD", options.TotalSteps, progress => result = run.Run(progress, cancellation));

        var all = new Frames(result.Energies.Length, system.AtomCount, Array.ConvertAll(result.Positions, x => (double)x));
        var stats = TrajectoryStatistics.Compute(all, system.Topology, result.Replicas);
        var dataset = ReferenceDataset.Write(request.Out, system, result.Positions, result.Energies, sizes => new DatasetMeta
        {
            System = system.Name,
            Molecule = system.Info.Molecule,
            Atoms = system.AtomCount,
            ForceField = system.Info.ForceField,
            Solvent = system.Info.Solvent,
            TemperatureK = temperatures[0],
            FrictionPerPs = options.FrictionPerPs,
            TimestepPs = options.StepPs,
            SaveIntervalPs = options.SaveEveryPs,
            EquilibrationPs = options.EquilibrationPs,
            LengthNsPerReplica = result.NanosecondsPerReplica,
            Replicas = options.Replicas,
            TemperaturesK = temperatures,
            SwapIntervalPs = temperatures.Length > 1 ? options.SwapEveryPs : null,
            SwapAcceptance = temperatures.Length > 1 ? result.SwapAcceptance : null,
            Seed = options.Seed,
            Platform = options.Platform,
            OpenMMVersion = OpenMMSharp.Platform.OpenMMVersion,
            Command = request.Command,
            WallSeconds = Math.Round(result.WallSeconds, 1),
            CreatedUtc = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            Frames = sizes,
            AutocorrelationTimeFrames = stats.AutocorrelationTimeFrames.ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value, 3)),
            EffectiveSamples = sizes.ToDictionary(kv => kv.Key, kv => Math.Round(stats.EffectiveSamples(kv.Value), 1)),
            PhiPositivePopulation = stats.PhiPositivePopulation,
        });
        Directory.Delete(work, recursive: true);
        return new ReferenceSimulationResult(dataset, result);
    }

    private static void PrepareOutput(ReferenceSimulationRequest request, string work)
    {
        try
        {
            Directory.CreateDirectory(request.Out);
            if (request.Force && !request.Resume && Directory.Exists(work)) Directory.Delete(work, recursive: true);
            var probe = Path.Combine(request.Out, ".write-test-" + Guid.NewGuid().ToString("N"));
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new InputException($"--out {request.Out} is not writable: {e.Message}", e);
        }
    }
}
