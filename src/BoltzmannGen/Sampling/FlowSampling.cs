using BoltzmannGen.Data;
using BoltzmannGen.Flows;
using BoltzmannGen.Optimisation;
using BoltzmannGen.Systems;
using static TorchSharp.torch;

namespace BoltzmannGen.Sampling;

/// <summary>What `bgen sample` draws and where it writes.</summary>
/// <param name="Model">a trained model folder</param>
/// <param name="Out">samples.npz</param>
/// <param name="Writer">who holds OUT's writer lock (docs/design.md §5.8): the command line</param>
/// <param name="Batch">conformations per forward pass</param>
/// <param name="Seed">seed of the prior draws: the same model, count and seed give the same samples</param>
/// <param name="Device">cpu, cuda or auto</param>
/// <param name="Defensive">draw from a defensive mixture with a wider prior instead of the flow alone, or null</param>
/// <param name="MixWith">further model folders of the same system: draw from all of them as one proposal (<see cref="FlowMixture"/>)</param>
public sealed record FlowSampleRequest(string Model, string Out, string Writer, int Count, int Batch = 10000, int Seed = 1, string Device = "auto",
                                       DefensiveMixture? Defensive = null, IReadOnlyList<string>? MixWith = null);

/// <summary>What was drawn: the model's model.json, the wall time, and (when its system is in the catalog) a quick look at validity.</summary>
public sealed record FlowSampleResult(ModelInfo Info, double Seconds, SampleValidity? Validity);

/// <summary>Of the samples: how many have every bond within <paramref name="BondTolerance"/> nm of the reference, and how many have every CA L (%).</summary>
public sealed record SampleValidity(double BondTolerance, double BondsOkPercent, double AllLPercent);

/// <summary>Conformations from a trained flow, one forward pass each, with their exact log q (`bgen sample`; docs/design.md §5.5).</summary>
public static class FlowSampling
{
    /// <param name="display">shows the draws' progress (conformations drawn of the count)</param>
    public static FlowSampleResult Run(FlowSampleRequest request, ProgressDisplay<int> display, CancellationToken cancellation = default)
    {
        var device = TorchDevices.Resolve(request.Device);
        var (model, info) = ModelDirectory.Load(request.Model, device);
        // A model.json edited to name another system is refused before anything is written.
        var system = ModelDirectory.SystemOf(request.Model, info);
        var mixture = Mixture(request, model, info, device);
        using var writer = WriterLock.Acquire(request.Out, request.Writer);
        using var generator = new Generator((ulong)request.Seed);
        var (positions, seconds) = SampleBatches.DrawAndWrite(request.Out, $"sampling {info.System} ({info.Arch})", request.Count,
            request.Batch, info.Atoms, n =>
            {
                using var _ = no_grad();
                return mixture is not null ? mixture.Sample(n, generator)
                    : request.Defensive is { } defensive ? defensive.Sample(model, n, generator) : model.Sample(n, generator);
            }, display, Proposal(request, mixture), cancellation);
        return new FlowSampleResult(info, seconds, system is null ? null : Validity(system, positions, request.Count, info.Atoms));
    }

    /// <summary>What samples.npz records of a proposal other than the flow alone (<see cref="SampleFile.DefensiveMixture"/>).</summary>
    private static IEnumerable<(string Name, NpyArray Array)> Proposal(FlowSampleRequest request, FlowMixture? mixture)
    {
        if (request.Defensive is { } d) yield return (SampleFile.DefensiveMixture, new NpyArray([d.Fraction, d.Scale], 2));
        if (mixture is not null) yield return (SampleFile.MixtureFlows, new NpyArray([(double)mixture.Members.Count], 1));
    }

    /// <summary>The flows of --model and --mix-with as one proposal, or null without --mix-with; a member of another system is refused by name.</summary>
    private static FlowMixture? Mixture(FlowSampleRequest request, BoltzmannFlow model, ModelInfo info, Device device)
    {
        if (request.MixWith is not { Count: > 0 } others) return null;
        if (request.Defensive is not null)
            throw new InputException("--defensive and --mix-with together: choose one kind of mixture.");
        var members = new List<BoltzmannFlow> { model };
        foreach (var path in others)
        {
            var (member, memberInfo) = ModelDirectory.Load(path, device, "--mix-with");
            // A member's model.json edited to name another catalog system is named as damaged, as for --model.
            ModelDirectory.SystemOf(path, memberInfo);
            if (memberInfo.System != info.System || memberInfo.Atoms != info.Atoms)
                throw new InputException($"--mix-with {path}: a model of {memberInfo.System} ({memberInfo.Atoms} atoms), but --model {request.Model} " +
                                         $"is of {info.System} ({info.Atoms} atoms); a mixture's flows must model one system.");
            members.Add(member);
        }
        return new FlowMixture(members);
    }

    /// <summary>A quick look at quality: how many samples have every bond within tolerance and every CA L.</summary>
    private static SampleValidity Validity(PeptideSystem system, float[] positions, int count, int atoms)
    {
        var check = new ValidityCheck(system.Topology, system.ReferencePositions);
        int per = 3 * atoms, bonds = 0, chiral = 0;
        var frame = new double[per];
        for (int i = 0; i < count; i++)
        {
            for (int k = 0; k < per; k++) frame[k] = positions[(long)i * per + k];
            if (check.BondsOk(frame)) bonds++;
            if (check.AllL(frame)) chiral++;
        }
        return new SampleValidity(check.BondTolerance, 100.0 * bonds / count, 100.0 * chiral / count);
    }
}
