using BoltzmannGen.Data;
using BoltzmannGen.Energy;
using BoltzmannGen.Systems;

namespace BoltzmannGen.Sampling;

/// <summary>One batch scored against the target: reduced energies, their gradients (∇u = −F/k_BT) and validity.</summary>
public sealed record ScoredBatch(double[] Reduced, double[]? Gradients, bool[] Valid)
{
    public int Count => Reduced.Length;

    /// <summary>Samples whose energy (and gradient, when asked for) is finite.</summary>
    public bool Finite(int i) => double.IsFinite(Reduced[i]) && (Gradients is null || GradientFinite(i));

    private bool GradientFinite(int i)
    {
        int per = Gradients!.Length / Count;
        for (int k = i * per; k < (i + 1) * per; k++) if (!double.IsFinite(Gradients[k])) return false;
        return true;
    }
}

/// <summary>What fine-tuning and SMC move towards: a reduced energy u(x) with its gradient and a validity test per sample.</summary>
public interface ITargetEnergy
{
    /// <summary>Evaluations of u so far (with or without gradients).</summary>
    long Evaluations { get; }

    /// <param name="positions">[frame, atom, xyz] nm</param>
    ScoredBatch Score(double[] positions, bool withForces);
}

/// <summary>
/// The Boltzmann target exp(−u(x)) of fine-tuning and SMC: OpenMM energies and forces of flow samples (one context per worker
/// thread, opened once), the validity check of reweighting (bonds, L chirality), and a count of every evaluation.
/// Unlike `bgen reweight`, all-D mirror images are not reflected here: they are simply invalid, so training never
/// rewards the wrong enantiomer (the energy cannot tell them apart).
/// </summary>
public sealed class BoltzmannTarget : ITargetEnergy, IDisposable
{
    private readonly PotentialEnergy _energy;
    private readonly ValidityCheck _check;

    public BoltzmannTarget(PeptideSystem system, EnergyOptions? options = null)
    {
        System = system;
        _energy = PotentialEnergy.For(system, options);
        _check = new ValidityCheck(system.Topology, system.ReferencePositions);
    }

    public PeptideSystem System { get; }

    /// <summary>Energy (with or without forces) evaluations so far.</summary>
    public long Evaluations { get; private set; }

    /// <param name="positions">[frame, atom, xyz] nm</param>
    public ScoredBatch Score(double[] positions, bool withForces)
    {
        int per = 3 * System.AtomCount, n = positions.Length / per;
        // A flow can emit a non-finite coordinate; OpenMM refuses those, so only the finite frames are scored.
        var finite = Enumerable.Range(0, n).Where(i => Frames.FirstNonFinite(positions.AsSpan(i * per, per), System.AtomCount) is null).ToArray();
        var scored = finite.Length == n ? positions : finite.SelectMany(i => positions.Skip(i * per).Take(per)).ToArray();
        var batch = _energy.Evaluate(scored, withForces);
        Evaluations += finite.Length;
        var reduced = Enumerable.Repeat(double.NaN, n).ToArray();
        double[]? gradients = withForces ? Enumerable.Repeat(double.NaN, n * per).ToArray() : null;
        double scale = -1.0 / batch.KT;
        for (int f = 0; f < finite.Length; f++)
        {
            int i = finite[f];
            reduced[i] = batch.Energies[f] / batch.KT;
            if (gradients is not null)
                for (int k = 0; k < per; k++) gradients[i * per + k] = batch.Forces![f * per + k] * scale;
        }
        var valid = new bool[n];
        Parallel.For(0, n, i => valid[i] = double.IsFinite(reduced[i]) && _check.IsValid(positions.AsSpan(i * per, per)));
        return new ScoredBatch(reduced, gradients, valid);
    }

    public void Dispose() => _energy.Dispose();
}
