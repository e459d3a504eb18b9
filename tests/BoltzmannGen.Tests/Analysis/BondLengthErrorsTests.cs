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
        var frames = ReferenceDataset.Load(Path.Combine(Support.EnergyFixtures.Catalog.ForceFieldsDirectory, "..", "data", "aldp"), system).Split("test");
        var reference = BondLengthErrors.MeanLengths(system.Topology, frames);
        double median = BondLengthErrors.Median(system.Topology, frames, reference);
        Assert.InRange(median, 0.001, 0.006); // σ ≈ 0.003 nm for a C–H bond at 300 K
    }
}
