using BoltzmannGen.Data;
using BoltzmannGen.Datasets;

namespace BoltzmannGen.Analysis;

/// <summary>
/// What a reference trajectory is worth: the integrated autocorrelation time of each backbone observable (in
/// frames, averaged over independent replicas), the effective number of independent samples (frames / slowest
/// τ), and the φ &gt; 0 population of every φ with a block-average standard error.
/// </summary>
public sealed record TrajectoryStatistics(
    IReadOnlyDictionary<string, double> AutocorrelationTimeFrames,
    double SlowestTimeFrames,
    IReadOnlyDictionary<string, PopulationEstimate> PhiPositivePopulation)
{
    public const int Blocks = 10;

    /// <param name="frames">all frames, <paramref name="replicas"/> trajectories one after another</param>
    public static TrajectoryStatistics Compute(Frames frames, Topology topology, int replicas = 1)
    {
        var observables = BackboneObservables.Of(frames, topology);
        int perReplica = frames.Count / replicas;
        var tau = new Dictionary<string, double>();
        var populations = new Dictionary<string, PopulationEstimate>();
        foreach (var (name, series) in observables)
        {
            double mean = Enumerable.Range(0, replicas)
                .Average(r => Autocorrelation.IntegratedTime(series.AsSpan(r * perReplica, perReplica)));
            tau[name] = mean;
            if (name.EndsWith("_positive", StringComparison.Ordinal) && series.Length >= Blocks)
            {
                var estimate = BlockAverage.Compute(series, Blocks);
                populations[name[..^"_positive".Length]] = new PopulationEstimate(
                    estimate.Mean, estimate.StandardError, estimate.Mean > 0 ? estimate.RelativeError : null, Blocks);
            }
        }
        return new TrajectoryStatistics(tau, tau.Count == 0 ? 1 : tau.Values.Max(), populations);
    }

    /// <summary>N / τ_slowest, at least 1 when there are frames.</summary>
    public double EffectiveSamples(int frames) => frames == 0 ? 0 : Math.Max(1, frames / SlowestTimeFrames);
}
