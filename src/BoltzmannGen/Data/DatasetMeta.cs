using System.Text.Json.Serialization;

namespace BoltzmannGen.Data;

/// <summary>meta.json of a reference MD dataset (DESIGN.md §5): provenance, sizes, statistics, checksums.</summary>
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
    [JsonPropertyName("sha256")] public IReadOnlyDictionary<string, string> Sha256 { get; init; } = new Dictionary<string, string>();
}

/// <summary>A basin population from block averages: mean, standard error, relative error, block count.</summary>
public sealed record PopulationEstimate(
    [property: JsonPropertyName("mean")] double Mean,
    [property: JsonPropertyName("standard_error")] double StandardError,
    [property: JsonPropertyName("relative_error")] double? RelativeError,
    [property: JsonPropertyName("blocks")] int Blocks);
