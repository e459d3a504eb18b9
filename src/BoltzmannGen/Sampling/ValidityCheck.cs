using BoltzmannGen.Data;
using BoltzmannGen.Systems;

namespace BoltzmannGen.Sampling;

/// <summary>
/// Is a generated conformation the molecule at all? Every bond of the topology within <see cref="BondTolerance"/>
/// (nm) of its length in the reference structure, and every CA with L chirality. Samples that fail get weight 0.
/// </summary>
public sealed class ValidityCheck
{
    private readonly (int I, int J, double Length)[] _bonds;
    private readonly IReadOnlyList<ChiralityCenter> _centres;

    /// <param name="reference">a valid conformation (nm, [atom, xyz]) giving the bond lengths</param>
    public ValidityCheck(Topology topology, ReadOnlySpan<double> reference, double bondTolerance = 0.02)
    {
        BondTolerance = bondTolerance;
        var r = reference.ToArray();
        _bonds = topology.Bonds.Select(b => (b.I, b.J, Topology.Distance(r, b.I, b.J))).ToArray();
        _centres = ChiralityCenters.Of(topology);
    }

    public double BondTolerance { get; }
    public int BondCount => _bonds.Length;

    public bool BondsOk(ReadOnlySpan<double> frame)
    {
        foreach (var (i, j, length) in _bonds)
            if (!(Math.Abs(Topology.Distance(frame, i, j) - length) <= BondTolerance)) return false;
        return true;
    }

    public bool AllL(ReadOnlySpan<double> frame) => ChiralityCenters.AllL(frame, _centres);

    public bool IsValid(ReadOnlySpan<double> frame) => BondsOk(frame) && AllL(frame);
}
