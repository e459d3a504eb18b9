using System.Diagnostics;
using BoltzmannGen.Data;
using BoltzmannGen.Energy;
using BoltzmannGen.Numerics;
using BoltzmannGen.Systems;

namespace BoltzmannGen.Sampling;

/// <summary>What `bgen reweight` scores and adds to a samples.npz.</summary>
/// <param name="Samples">samples.npz with positions and log_q, updated in place</param>
/// <param name="Writer">who holds the file's writer lock from the read to the write (docs/design.md §5.8): the command line</param>
/// <param name="ClipTop">also store log_w_clipped, the largest fraction of log-weights capped</param>
/// <param name="Resample">also store resampled_index: this many indices drawn in proportion to the (clipped) weights</param>
/// <param name="Seed">seed of the resampling</param>
public sealed record SampleReweightRequest(PeptideSystem System, string Samples, EnergyOptions Energy, string Writer,
                                           double? ClipTop = null, int? Resample = null, int Seed = 1);

/// <summary>What was added: the reweighting itself, the clipped weights when asked for, and the wall time of the scoring.</summary>
public sealed record SampleReweightResult(int Count, ReweightResult Reweight, ImportanceWeights? Clipped, double Seconds);

/// <summary>
/// Energies, validity and importance weights of the samples in a samples.npz, written back into it
/// (<see cref="Reweighting"/>; docs/design.md §5.5, §6.7): energy, log_w, valid, reflected, reweight_seconds, and
/// optionally log_w_clipped and resampled_index. SMC particles are refused: they carry their own weights.
/// </summary>
public static class SampleReweighting
{
    /// <param name="display">shows the scoring's progress (frames scored of the file's count)</param>
    public static SampleReweightResult Run(SampleReweightRequest request, ProgressDisplay<int> display, CancellationToken cancellation = default)
    {
        var system = request.System;
        // Read, modify, write in place: under the file's writer lock from the read on, so two reweights cannot interleave.
        using var writer = WriterLock.Acquire(request.Samples, request.Writer);
        var file = SampleFile.Read(request.Samples, system.AtomCount);
        if (file.IsSmc)
            throw new InputException($"--samples {request.Samples}: these are `bgen smc` particles, already weighted by SMC; " +
                                     "−u − log q would be wrong for them (they are not draws from the flow). Nothing was written.");
        var clock = Stopwatch.StartNew();
        var reweighting = new Reweighting(system, request.Energy);
        ReweightResult result = null!;
        var positions = file.PositionsNm();
        var logQ = file.LogQValues();
        var previous = file.OptionalMask(SampleFile.Reflected);
        display($"{system.Name} energies", file.Count, progress => result = reweighting.Run(positions, logQ, previous, progress, cancellation));
        double seconds = clock.Elapsed.TotalSeconds;

        var updates = new List<(string, NpyArray)>
        {
            (SampleFile.Positions, new NpyArray(Array.ConvertAll(result.Positions, v => (float)v), file.Count, file.Atoms, 3)),
            (SampleFile.Energy, new NpyArray(result.EnergiesKJ, file.Count)),
            (SampleFile.LogW, new NpyArray(result.Weights.LogWeights, file.Count)),
            (SampleFile.Valid, new NpyArray(result.Valid, file.Count)),
            (SampleFile.Reflected, new NpyArray(result.Reflected, file.Count)),
            (SampleFile.ReweightSeconds, new NpyArray([seconds], 1)),
        };
        ImportanceWeights? clipped = null;
        if (request.ClipTop is { } fraction and > 0)
        {
            clipped = result.Weights.ClipTop(fraction);
            updates.Add((SampleFile.LogWClipped, new NpyArray(clipped.LogWeights, file.Count)));
        }
        if (request.Resample is { } m)
        {
            if (double.IsNegativeInfinity(result.Weights.LogSum))
                throw new InputException($"--resample: every sample in {request.Samples} has zero weight (invalid or non-finite energy); nothing to resample. Nothing was written.");
            var indices = (clipped ?? result.Weights).Resample(m, new Xoshiro256((ulong)request.Seed));
            updates.Add((SampleFile.Resampled, new NpyArray(indices, m)));
        }
        file.Write(updates);
        return new SampleReweightResult(file.Count, result, clipped, seconds);
    }
}
