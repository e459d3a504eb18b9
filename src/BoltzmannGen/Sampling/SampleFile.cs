using BoltzmannGen.Data;

namespace BoltzmannGen.Sampling;

/// <summary>
/// samples.npz (docs/design.md §5.5): <c>positions</c> (n, atoms, 3) float32 nm and <c>log_q</c> (n) float64 from the
/// sampler; after reweighting also <c>energy</c> (kJ/mol), <c>log_w</c>, <c>valid</c> and <c>reflected</c>.
/// Reading checks shapes and finiteness and names the file and the frame; writing keeps every array that was
/// already in the file (other tools may have added their own).
/// </summary>
public sealed class SampleFile
{
    public const string Positions = "positions", LogQ = "log_q", Energy = "energy", LogW = "log_w", Valid = "valid",
        Reflected = "reflected", LogWClipped = "log_w_clipped", Resampled = "resampled_index",
        SamplingSeconds = "sampling_seconds", ReweightSeconds = "reweight_seconds";

    /// <summary>
    /// `bgen smc` output (docs/design.md §6.11): <c>estimator</c> (uint8, <see cref="EstimatorSmc"/>) marks particles whose
    /// <c>log_w</c> are SMC weights, not −u − log q, with the schedule and its statistics beside them, and
    /// <c>smc_family</c> (int32, n): the starting particle each particle descends from.
    /// </summary>
    public const string Estimator = "estimator", SmcBetas = "smc_betas", SmcAcceptance = "smc_acceptance", SmcEss = "smc_ess",
        SmcResampled = "smc_resampled", SmcStepSize = "smc_step_size", SmcLogZ = "smc_log_z",
        SmcEvaluationsPerParticle = "smc_energy_evaluations_per_particle", SmcFamily = "smc_family";

    public const byte EstimatorSmc = 1;

    /// <summary>
    /// How `bgen sample` drew when it did not draw from one flow alone: <c>defensive_mixture</c> [ε, τ] (float64, 2) and
    /// <c>mixture_flows</c> [K] (float64, 1); log_q is then the mixture's density. Shards merge only with equal values.
    /// </summary>
    public const string DefensiveMixture = "defensive_mixture", MixtureFlows = "mixture_flows";

    private readonly double[] _positionsNm;

    private SampleFile(string path, IReadOnlyDictionary<string, NpyArray> arrays, double[] positionsNm, int count, int atoms)
    {
        _positionsNm = positionsNm;
        Path = path;
        Arrays = arrays;
        Count = count;
        Atoms = atoms;
    }

    public string Path { get; }
    public IReadOnlyDictionary<string, NpyArray> Arrays { get; }
    public int Count { get; }
    public int Atoms { get; }

    /// <summary>Positions as float64 [frame, atom, xyz], nm (converted once, when the file was read and checked; do not modify).</summary>
    public double[] PositionsNm() => _positionsNm;

    public double[] LogQValues() => Arrays[LogQ].ToDoubles();

    public bool Has(string name) => Arrays.ContainsKey(name);

    public double[]? Optional(string name) => Arrays.TryGetValue(name, out var a) ? a.ToDoubles() : null;

    public bool[]? OptionalMask(string name) => Arrays.TryGetValue(name, out var a) ? a.AsBool() : null;

    /// <summary>True when <c>bgen reweight</c> has run on the file.</summary>
    public bool IsReweighted => Has(Energy) && Has(LogW) && Has(Valid);

    /// <summary>True for `bgen smc` particles (their log_w come from SMC, and reweighting them afresh would be wrong).</summary>
    public bool IsSmc => Arrays.TryGetValue(Estimator, out var a) && a.ToDoubles() is [EstimatorSmc, ..];

    /// <summary>
    /// Reads and checks a samples file. <paramref name="expectedAtoms"/> (the system's atom count) turns
    /// "samples of another system" into a clear error.
    /// </summary>
    public static SampleFile Read(string path, int? expectedAtoms = null)
    {
        if (!File.Exists(path)) throw new InputException($"{path}: file not found.");
        IReadOnlyDictionary<string, NpyArray> arrays;
        try
        {
            arrays = Npz.ReadAll(path);
        }
        catch (InvalidDataException e)
        {
            throw new InputException($"{path}: not a readable .npz archive ({e.Message}).", e);
        }
        if (!arrays.TryGetValue(Positions, out var positions))
            throw new InputException($"{path}: no '{Positions}' array (arrays present: {string.Join(", ", arrays.Keys)}).");
        if (!arrays.TryGetValue(LogQ, out var logQ))
            throw new InputException($"{path}: no '{LogQ}' array — these samples carry no exact log-density, so they cannot be reweighted " +
                                     "(make them with `bgen sample` or `bgen teacher sample`).");
        if (positions.Rank != 3 || positions.Shape[2] != 3)
            throw new InputException($"{path}: '{Positions}' has shape {positions.ShapeString}, expected (n, atoms, 3).");
        int n = positions.Shape[0], atoms = positions.Shape[1];
        if (expectedAtoms is { } want && atoms != want)
            throw new InputException($"{path}: samples have {atoms} atoms but the system has {want} — samples of another system?");
        if (logQ.Rank != 1 || logQ.Shape[0] != n)
            throw new InputException($"{path}: '{LogQ}' has shape {logQ.ShapeString}, expected ({n}).");
        foreach (var name in new[] { Energy, LogW, Valid, Reflected, SmcFamily })
            if (arrays.TryGetValue(name, out var a) && (a.Rank != 1 || a.Shape[0] != n))
                throw new InputException($"{path}: '{name}' has shape {a.ShapeString}, expected ({n}).");
        var positionsNm = positions.ToDoubles();
        if (Frames.FirstNonFinite(positionsNm, atoms) is { } bad)
            throw new InputException($"{path}: frame {bad.Frame}, atom {bad.Atom} has a non-finite coordinate ({bad.Value}).");
        return new SampleFile(path, arrays, positionsNm, n, atoms);
    }

    /// <summary>Writes the file again with <paramref name="updates"/> added or replaced, every other array kept.</summary>
    public void Write(IEnumerable<(string Name, NpyArray Array)> updates)
    {
        var merged = new List<KeyValuePair<string, NpyArray>>();
        var byName = updates.ToDictionary(u => u.Name, u => u.Array);
        foreach (var (name, array) in Arrays)
            merged.Add(KeyValuePair.Create(name, byName.Remove(name, out var replacement) ? replacement : array));
        foreach (var (name, array) in byName) merged.Add(KeyValuePair.Create(name, array));
        Npz.Write(Path, merged);
    }
}
