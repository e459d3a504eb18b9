using BoltzmannGen.Analysis;
using BoltzmannGen.Data;
using BoltzmannGen.Datasets;

namespace BoltzmannGen.Tests.Analysis;

public class BondLengthErrorsTests
{
    // Three atoms on the x axis, bonds 0–1 and 1–2.
    private static readonly Topology Chain = new(
        [new Atom(0, "A", "C", 0), new Atom(1, "B", "C", 0), new Atom(2, "C", "C", 0)],
        [new Residue(0, "X", 1, "A")], [(0, 1), (1, 2)]);

    private static Frames Linear(params (double A, double B)[] lengths) =>
        new(lengths.Length, 3, lengths.SelectMany(l => new[] { 0, 0, 0, l.A, 0, 0, l.A + l.B, 0, 0.0 }).ToArray());

    [Fact]
    public void Mean_lengths_and_median_error_match_a_hand_computed_case()
    {
        var reference = BondLengthErrors.MeanLengths(Chain, Linear((0.10, 0.15), (0.12, 0.15)));
        Assert.Equal(0.11, reference[0], 12);
        Assert.Equal(0.15, reference[1], 12);
        // Errors of the two frames below: |0.13−0.11| = 0.02, |0.15−0.15| = 0; |0.11−0.11| = 0, |0.20−0.15| = 0.05.
        // Sorted 0, 0, 0.02, 0.05 → median 0.01.
        Assert.Equal(0.01, BondLengthErrors.Median(Chain, Linear((0.13, 0.15), (0.11, 0.20)), reference), 12);
    }

    [Fact]
    public void Md_frames_have_thermal_bond_errors()
    {
        var system = Support.EnergyFixtures.System("aldp");
        var dataset = ReferenceDataset.Load(Path.Combine(Support.EnergyFixtures.Catalog.ForceFieldsDirectory, "..", "data", "aldp"), system);
        var frames = dataset.Split("test");
        var reference = BondLengthErrors.MeanLengths(system.Topology, frames);
        double median = BondLengthErrors.Median(system.Topology, frames, reference);
        // Known answer from numpy (tools/dihedral_reference.py) on the same sha256-pinned frames: equal to rounding.
        Support.DihedralReference.RequireSameDataset("test", dataset.Meta.Sha256);
        var expected = Support.DihedralReference.Json.GetProperty("dataset").GetProperty("test");
        Assert.Equal(expected.GetProperty("bond_error_median_nm").GetDouble(), median, 1e-12);
        // Physics: independent harmonic bonds at 300 K (σ_b = √(kT/k_b), 0.0023–0.0031 nm) predict a median |error| of
        // 0.00190 nm; a median of 50,400 nearly independent bond samples has a standard error of ~0.5 %, so ±3 % ≈ 6σ
        // (measured 0.06 % off; the range was 0.001–0.006, 6× wide).
        double harmonic = expected.GetProperty("harmonic_bond_error_median_nm").GetDouble();
        Assert.InRange(median, 0.97 * harmonic, 1.03 * harmonic);
    }
}
