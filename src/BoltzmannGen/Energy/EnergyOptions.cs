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

    /// <summary>
    /// The most worker threads (one OpenMM context each) a command may ask for. More only adds memory and switching on
    /// any machine this runs on, and `--threads 100000` ran out of native resources after 83 s instead of failing at once.
    /// </summary>
    public const int MaxThreads = 256;

    /// <summary>Why <paramref name="threads"/> given to <paramref name="option"/> cannot be used, or null when it can (0 = one per core only when <paramref name="zeroMeansPerCore"/>).</summary>
    public static string? ThreadsProblem(int threads, string option, bool zeroMeansPerCore = false) =>
        threads < (zeroMeansPerCore ? 0 : 1)
            ? $"{option} must be at least {(zeroMeansPerCore ? "0 (one per core)" : "1")} (got {threads})."
            : threads > MaxThreads
                ? $"{option} {threads} is more than the {MaxThreads} worker threads bgen allows (this machine has {Environment.ProcessorCount} cores; one or two per core is fastest)."
                : null;

    /// <summary>Refuses a thread count out of range (<see cref="ThreadsProblem"/>) before any context is made.</summary>
    public void Validate()
    {
        if (ThreadsProblem(Threads, "threads", zeroMeansPerCore: true) is { } problem) throw new InputException(problem);
    }
}
