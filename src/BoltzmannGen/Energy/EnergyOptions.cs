namespace BoltzmannGen.Energy;

/// <summary>
/// How energies are computed: the OpenMM platform (Reference is fastest for 22–42 atoms), the number of worker
/// threads (one Context each) and optional platform properties (e.g. "Threads" for the CPU platform).
/// </summary>
public sealed record EnergyOptions
{
    public string Platform { get; init; } = "Reference";

    /// <summary>Worker threads, one OpenMM Context each; 0 means one per core.</summary>
    public int Threads { get; init; }

    public IReadOnlyDictionary<string, string> PlatformProperties { get; init; } = new Dictionary<string, string>();

    public int EffectiveThreads => Threads > 0 ? Threads : Environment.ProcessorCount;
}
