using BoltzmannGen.Energy;
using BoltzmannGen.Systems;

namespace BoltzmannGen.Sampling;

/// <summary>What reweighting found, sample by sample and in total.</summary>
public sealed record ReweightResult(
    double[] Positions, double[] EnergiesKJ, double KT, bool[] Valid, bool[] Reflected, ImportanceWeights Weights)
{
    public int Count => Valid.Length;

    /// <summary>u = E / k_B T.</summary>
    public double[] ReducedEnergies => Array.ConvertAll(EnergiesKJ, e => e / KT);

    public int NonFiniteEnergyCount => EnergiesKJ.Count(e => !double.IsFinite(e));

    /// <summary>Samples whose log q is NaN or ±∞ (a broken proposal density): invalid, weight 0.</summary>
    public int NonFiniteLogQCount { get; init; }

    /// <summary>Samples that failed the bond/chirality check (after reflecting mirror images).</summary>
    public int InvalidCount => Valid.Count(v => !v);

    public int ReflectedCount => Reflected.Count(r => r);
}

/// <summary>
/// Turns proposals with exact log q into importance weights (docs/design.md §6.7): reflect all-D mirror images once,
/// check every bond and every CA, score with the force field, log w = −u − log q, w = 0 for anything invalid
/// or non-finite (still counted in n).
/// <para>
/// log q of a reflected sample is kept: it is exact when the proposal is symmetric under inversion (an
/// E(3)-equivariant teacher); for a flow that is not, it is the density of the image that was drawn, which
/// reports state by giving the number of reflected samples.
/// </para>
/// </summary>
public sealed class Reweighting
{
    private readonly PeptideSystem _system;
    private readonly EnergyOptions _energyOptions;

    public Reweighting(PeptideSystem system, EnergyOptions? energyOptions = null)
    {
        _system = system;
        _energyOptions = energyOptions ?? new EnergyOptions();
    }

    /// <param name="positions">[frame, atom, xyz] nm; not modified</param>
    /// <param name="logQ">log q per frame</param>
    /// <param name="alreadyReflected">frames a previous run reflected (kept reflected), or null</param>
    /// <param name="progress">frames scored so far</param>
    public ReweightResult Run(ReadOnlySpan<double> positions, IReadOnlyList<double> logQ, bool[]? alreadyReflected = null,
                              IProgress<int>? progress = null, CancellationToken cancellation = default)
    {
        int atoms = _system.AtomCount, per = 3 * atoms;
        if (positions.Length != logQ.Count * per)
            throw new ArgumentException($"{positions.Length} coordinates are not {logQ.Count} frames of {atoms} atoms.");
        var x = positions.ToArray();
        var reflected = MirrorImages.ReflectAllD(x, atoms, ChiralityCenters.Of(_system.Topology));
        if (alreadyReflected is not null)
            for (int i = 0; i < reflected.Length; i++) reflected[i] |= alreadyReflected[i];

        var check = new ValidityCheck(_system.Topology, _system.ReferencePositions);
        var valid = new bool[logQ.Count];
        // A sample without a finite log q has no importance weight: it is not a valid proposal either.
        Parallel.For(0, logQ.Count, i => valid[i] = double.IsFinite(logQ[i]) && check.IsValid(x.AsSpan(i * per, per)));

        using var energy = PotentialEnergy.For(_system, _energyOptions);
        var energies = energy.EvaluateInChunks(x, progress: progress, cancellation: cancellation).Energies;
        var reduced = Array.ConvertAll(energies, e => e / energy.KT);
        return new ReweightResult(x, energies, energy.KT, valid, reflected, ImportanceWeights.From(reduced, logQ, valid))
        {
            NonFiniteLogQCount = logQ.Count(l => !double.IsFinite(l)),
        };
    }
}
