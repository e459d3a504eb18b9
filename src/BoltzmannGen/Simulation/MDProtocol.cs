namespace BoltzmannGen.Simulation;

/// <summary>
/// The fixed MD protocol (docs/design.md §3): LangevinMiddle, 1 fs, friction 1/ps, no constraints, on the Reference
/// platform (fastest for 22–42 atoms). Only tests and benchmarks change it.
/// </summary>
public sealed record MDProtocol
{
    public double StepPs { get; init; } = 0.001;
    public double FrictionPerPs { get; init; } = 1.0;
    public string Platform { get; init; } = "Reference";
    public IReadOnlyDictionary<string, string> PlatformProperties { get; init; } = new Dictionary<string, string>();
}
