using System.Diagnostics;
using BoltzmannGen.Data;
using BoltzmannGen.Energy;
using BoltzmannGen.Flows;
using BoltzmannGen.Optimisation;
using BoltzmannGen.Sampling;
using BoltzmannGen.Systems;

namespace BoltzmannGen.Smc;

/// <summary>What `bgen smc` anneals and where it writes.</summary>
/// <param name="Model">a trained model folder, not modified</param>
/// <param name="Info">its model.json</param>
/// <param name="Out">the samples.npz of the final particles</param>
/// <param name="Writer">who holds OUT's writer lock while the particles are made (docs/design.md §5.8): the command line</param>
/// <param name="Device">cpu, cuda or auto, for the flow</param>
/// <param name="Batch">particles per forward/backward pass through the flow</param>
public sealed record FlowSmcRequest(string Model, ModelInfo Info, PeptideSystem System, SmcOptions Options, string Out, string Writer,
                                    EnergyOptions Energy, string Device = "auto", int Batch = 1024);

/// <summary>The particles, what was written of them, and the wall time from the energy pool's start to the last step.</summary>
public sealed record FlowSmcResult(SmcResult Result, SmcOutput Output, double Seconds);

/// <summary>
/// SMC from a trained flow's prior to the Boltzmann density in its latent space (`bgen smc`; docs/design.md §6.11):
/// the flow and the force field as a <see cref="FlowLatentTarget"/>, annealed by <see cref="SmcSampler"/>, the final
/// particles written as a samples.npz (<see cref="SmcOutput"/>).
/// </summary>
public static class FlowSmc
{
    /// <param name="display">shows the annealing's progress, one report per step</param>
    public static FlowSmcResult Run(FlowSmcRequest request, ProgressDisplay<SmcStep> display, CancellationToken cancellation = default)
    {
        var (info, system, options) = (request.Info, request.System, request.Options);
        if (info.System != system.Name || info.Atoms != system.AtomCount)
            throw new InputException($"--model {request.Model} is a model of {info.System} ({info.Atoms} atoms), not of {system.Name} ({system.AtomCount} atoms).");
        SampleSizeLimits.Check(options.Particles, info.Atoms, "--n", info.System);
        var (model, _) = ModelDirectory.Load(request.Model, TorchDevices.Resolve(request.Device));
        using var writer = WriterLock.Acquire(request.Out, request.Writer);

        var clock = Stopwatch.StartNew();
        SmcResult result = null!;
        using (var energy = new BoltzmannTarget(system, request.Energy))
        {
            var target = new FlowLatentTarget(model, energy, request.Batch);
            display($"SMC {system.Name} ({info.Arch})", options.Schedule.IsAdaptive ? 1 : options.Schedule.MaxSteps,
                    progress => result = SmcSampler.Run(target, options, progress, cancellation));
        }
        double seconds = clock.Elapsed.TotalSeconds;

        var output = SmcOutput.From(result, system, seconds);
        Npz.Write(request.Out, output.Arrays.ToArray());
        return new FlowSmcResult(result, output, seconds);
    }
}
