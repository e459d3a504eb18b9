using System.Globalization;
using System.Text.Json.Serialization;

namespace BoltzmannGen.Simulation;

/// <summary>
/// What `bgen simulate` runs: length, save interval, temperature ladder (first = the dataset's temperature),
/// independent copies, seed. Stored in the work folder, so a resumed run can refuse different settings.
/// </summary>
public sealed record MDOptions
{
    [JsonPropertyName("system")] public string System { get; init; } = "";
    [JsonPropertyName("ns")] public double Nanoseconds { get; init; }
    [JsonPropertyName("save_every_ps")] public double SaveEveryPs { get; init; } = 1.0;
    [JsonPropertyName("swap_every_ps")] public double SwapEveryPs { get; init; } = 1.0;
    [JsonPropertyName("temperatures_k")] public IReadOnlyList<double> TemperaturesK { get; init; } = [];
    [JsonPropertyName("replicas")] public int Replicas { get; init; } = 1;
    [JsonPropertyName("seed")] public int Seed { get; init; } = 1;
    [JsonPropertyName("equilibration_ps")] public double EquilibrationPs { get; init; } = 100;
    [JsonPropertyName("checkpoint_every_ps")] public double CheckpointEveryPs { get; init; } = 100;
    [JsonPropertyName("step_ps")] public double StepPs { get; init; } = 0.001;
    [JsonPropertyName("friction_per_ps")] public double FrictionPerPs { get; init; } = 1.0;
    [JsonPropertyName("platform")] public string Platform { get; init; } = "Reference";

    [JsonIgnore] public long TotalSteps => Steps(Nanoseconds * 1000, "--ns");
    [JsonIgnore] public int SaveSteps => (int)Steps(SaveEveryPs, "--save-every-ps");
    [JsonIgnore] public int SwapSteps => (int)Steps(SwapEveryPs, "--swap-every-ps");
    [JsonIgnore] public long EquilibrationSteps => EquilibrationPs == 0 ? 0 : Steps(EquilibrationPs, "--equilibrate-ps");
    [JsonIgnore] public long CheckpointSteps => Steps(CheckpointEveryPs, "--checkpoint-every-ps");
    [JsonIgnore] public long Segments => TotalSteps / SaveSteps;

    /// <summary>MD steps between exchange attempts inside one save interval (the whole interval when swaps are rarer).</summary>
    [JsonIgnore] public int StepsPerSwapWithinSave => Math.Min(SwapSteps, SaveSteps);

    /// <summary>Save intervals between exchange attempts (1 when swaps are attempted within every interval).</summary>
    [JsonIgnore] public long SaveIntervalsPerSwap => Math.Max(1, SwapSteps / SaveSteps);

    [JsonIgnore]
    public MDProtocol Protocol => new() { StepPs = StepPs, FrictionPerPs = FrictionPerPs, Platform = Platform };

    /// <summary>The temperatures a ladder may use, K.</summary>
    public const double MinTemperatureK = 1, MaxTemperatureK = 5000;

    /// <summary>Checks every option, naming the one that is wrong.</summary>
    public void Validate()
    {
        if (!(Nanoseconds > 0)) throw new InputException($"--ns must be positive (got {Nanoseconds}).");
        if (!(SaveEveryPs > 0)) throw new InputException($"--save-every-ps must be positive (got {SaveEveryPs}).");
        if (!(SwapEveryPs > 0)) throw new InputException($"--swap-every-ps must be positive (got {SwapEveryPs}).");
        if (EquilibrationPs < 0) throw new InputException($"--equilibrate-ps must not be negative (got {EquilibrationPs}).");
        if (!(CheckpointEveryPs > 0)) throw new InputException($"--checkpoint-every-ps must be positive (got {CheckpointEveryPs}).");
        if (Replicas < 1) throw new InputException($"--replicas must be at least 1 (got {Replicas}).");
        string ladder = string.Join(",", TemperaturesK.Select(t => t.ToString(CultureInfo.InvariantCulture)));
        if (TemperaturesK.Count == 0) throw new InputException("--temperatures must name at least one temperature.");
        foreach (double t in TemperaturesK)
            if (!(t >= MinTemperatureK && t <= MaxTemperatureK))
                throw new InputException(string.Create(CultureInfo.InvariantCulture,
                    $"--temperatures {ladder}: {t} K is outside {MinTemperatureK}–{MaxTemperatureK} K (a peptide force field means nothing beyond it)."));
        for (int i = 1; i < TemperaturesK.Count; i++)
            if (!(TemperaturesK[i] > TemperaturesK[i - 1]))
                throw new InputException($"--temperatures must increase: {ladder}.");
        if (TotalSteps % SaveSteps != 0) throw new InputException($"--ns must be a whole number of save intervals ({SaveEveryPs} ps).");
        if (SwapSteps % SaveSteps != 0 && SaveSteps % SwapSteps != 0)
            throw new InputException($"--swap-every-ps {SwapEveryPs} must divide --save-every-ps {SaveEveryPs} or be a multiple of it.");
        if (CheckpointSteps % SaveSteps != 0) throw new InputException("--checkpoint-every-ps must be a multiple of --save-every-ps.");
        if (Segments < 10) throw new InputException($"--ns {Nanoseconds} saves only {Segments} frames per replica; at least 10 are needed (lower --save-every-ps).");
    }

    private long Steps(double ps, string option)
    {
        double steps = ps / StepPs;
        long rounded = (long)Math.Round(steps);
        if (rounded <= 0 || Math.Abs(steps - rounded) > 1e-6 * Math.Max(1, steps))
            throw new InputException($"{option} {ps} ps is not a positive whole number of {StepPs} ps steps.");
        return rounded;
    }
}
