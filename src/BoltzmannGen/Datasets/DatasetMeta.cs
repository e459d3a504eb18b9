using System.Text.Json.Serialization;

namespace BoltzmannGen.Datasets;

/// <summary>meta.json of a reference MD dataset (docs/design.md §5.1): provenance, sizes, statistics, checksums.</summary>
public sealed record DatasetMeta
{
    [JsonPropertyName("system")] public string System { get; init; } = "";
    [JsonPropertyName("molecule")] public string Molecule { get; init; } = "";
    [JsonPropertyName("atoms")] public int Atoms { get; init; }
    [JsonPropertyName("forcefield")] public string ForceField { get; init; } = "";
    [JsonPropertyName("solvent")] public string Solvent { get; init; } = "";
    [JsonPropertyName("temperature_k")] public double TemperatureK { get; init; }
    [JsonPropertyName("integrator")] public string Integrator { get; init; } = "LangevinMiddleIntegrator";
    [JsonPropertyName("friction_per_ps")] public double FrictionPerPs { get; init; }
    [JsonPropertyName("timestep_ps")] public double TimestepPs { get; init; }
    [JsonPropertyName("save_interval_ps")] public double SaveIntervalPs { get; init; }
    [JsonPropertyName("equilibration_ps")] public double EquilibrationPs { get; init; }
    [JsonPropertyName("length_ns_per_replica")] public double LengthNsPerReplica { get; init; }
    [JsonPropertyName("replicas")] public int Replicas { get; init; }
    [JsonPropertyName("temperatures_k")] public IReadOnlyList<double> TemperaturesK { get; init; } = [];
    [JsonPropertyName("swap_interval_ps")] public double? SwapIntervalPs { get; init; }
    [JsonPropertyName("swap_acceptance")] public IReadOnlyList<IReadOnlyList<double>>? SwapAcceptance { get; init; }
    [JsonPropertyName("seed")] public int Seed { get; init; }
    [JsonPropertyName("platform")] public string Platform { get; init; } = "";
    [JsonPropertyName("openmm_version")] public string OpenMMVersion { get; init; } = "";
    [JsonPropertyName("command")] public string Command { get; init; } = "";
    [JsonPropertyName("wall_seconds")] public double WallSeconds { get; init; }
    [JsonPropertyName("created_utc")] public string CreatedUtc { get; init; } = "";
    [JsonPropertyName("frames")] public IReadOnlyDictionary<string, int> Frames { get; init; } = new Dictionary<string, int>();
    [JsonPropertyName("autocorrelation_time_frames")] public IReadOnlyDictionary<string, double> AutocorrelationTimeFrames { get; init; } = new Dictionary<string, double>();
    [JsonPropertyName("effective_samples")] public IReadOnlyDictionary<string, double> EffectiveSamples { get; init; } = new Dictionary<string, double>();
    [JsonPropertyName("phi_positive_population")] public IReadOnlyDictionary<string, PopulationEstimate> PhiPositivePopulation { get; init; } = new Dictionary<string, PopulationEstimate>();
    /// <summary>Independent runs of the same protocol pooled in extra.npy by `bgen pool` (null: none).</summary>
    [JsonPropertyName("extra_runs")] public IReadOnlyList<ExtraRun>? ExtraRuns { get; init; }
    /// <summary>φ &gt; 0 populations over this run and every extra run, from the runs' own block estimates (null: no extra runs).</summary>
    [JsonPropertyName("pooled_phi_positive_population")] public IReadOnlyDictionary<string, PopulationEstimate>? PooledPhiPositivePopulation { get; init; }
    [JsonPropertyName("sha256")] public IReadOnlyDictionary<string, string> Sha256 { get; init; } = new Dictionary<string, string>();
}

/// <summary>Provenance of one independent run whose frames were pooled into a dataset's extra.npy, in file order.</summary>
public sealed record ExtraRun
{
    [JsonPropertyName("seed")] public int Seed { get; init; }
    [JsonPropertyName("command")] public string Command { get; init; } = "";
    [JsonPropertyName("length_ns_per_replica")] public double LengthNsPerReplica { get; init; }
    [JsonPropertyName("replicas")] public int Replicas { get; init; }
    [JsonPropertyName("frames")] public int Frames { get; init; }
    [JsonPropertyName("wall_seconds")] public double WallSeconds { get; init; }
    [JsonPropertyName("created_utc")] public string CreatedUtc { get; init; } = "";
    [JsonPropertyName("swap_acceptance")] public IReadOnlyList<IReadOnlyList<double>>? SwapAcceptance { get; init; }
    [JsonPropertyName("phi_positive_population")] public IReadOnlyDictionary<string, PopulationEstimate> PhiPositivePopulation { get; init; } = new Dictionary<string, PopulationEstimate>();
}

/// <summary>A basin population from block averages: mean, standard error, relative error, block count.</summary>
public sealed record PopulationEstimate(
    [property: JsonPropertyName("mean")] double Mean,
    [property: JsonPropertyName("standard_error")] double StandardError,
    [property: JsonPropertyName("relative_error")] double? RelativeError,
    [property: JsonPropertyName("blocks")] int Blocks)
{
    /// <summary>
    /// The population over independent runs, each weighted by its frame count n_i: mean Σ n_i m_i / N, standard
    /// error √(Σ (n_i/N)² s_i²) (independent runs: their errors add in quadrature), blocks summed.
    /// </summary>
    public static PopulationEstimate Pool(IReadOnlyList<(int Frames, PopulationEstimate Estimate)> runs)
    {
        double total = runs.Sum(r => (double)r.Frames);
        if (runs.Count == 0 || total <= 0) throw new ArgumentException("nothing to pool", nameof(runs));
        double mean = runs.Sum(r => r.Frames * r.Estimate.Mean) / total;
        double se = Math.Sqrt(runs.Sum(r => Math.Pow(r.Frames / total * r.Estimate.StandardError, 2)));
        return new PopulationEstimate(mean, se, mean > 0 ? se / mean : null, runs.Sum(r => r.Estimate.Blocks));
    }
}
