using BoltzmannGen.Datasets;
using BoltzmannGen.Energy;
using BoltzmannGen.Tests.Support;

namespace BoltzmannGen.Tests.Data;

/// <summary>
/// The energies shipped in data/&lt;system&gt;/*_energy.npy are those of the shipped frames, as `bgen energy` (our
/// OpenMM bindings, themselves held to OpenMM's Python layer by ReferenceEnergyTests) computes them. A dataset
/// pooled or replaced with mismatched energy files, or written by a simulator that stored energies of other
/// coordinates, fails here, naming the split and the frame.
/// </summary>
public class ShippedDatasetEnergyTests
{
    private const int FramesPerSplit = 12;

    [Theory]
    [InlineData("aldp")]
    [InlineData("al3")]
    [InlineData("al4")]
    public void Stored_energies_are_the_energies_of_the_stored_frames(string system)
    {
        string directory = Path.Combine(EnergyFixtures.Catalog.ForceFieldsDirectory, "..", "data", system);
        var peptide = EnergyFixtures.System(system);
        var dataset = ReferenceDataset.Load(directory, peptide);
        using var energy = PotentialEnergy.For(peptide, new EnergyOptions { Threads = 1 });
        int per = 3 * peptide.AtomCount;
        var splits = dataset.HasExtraRuns ? [.. ReferenceDataset.SplitNames, ReferenceDataset.ExtraSplit] : ReferenceDataset.SplitNames;
        foreach (var split in splits)
        {
            var frames = dataset.Split(split);
            var stored = dataset.SplitEnergies(split);
            Assert.Equal(frames.Count, stored.Length);
            // Evenly spread frames, first and last included: every run of a pooled split is visited.
            var picked = Enumerable.Range(0, FramesPerSplit).Select(k => (int)((long)k * (frames.Count - 1) / (FramesPerSplit - 1))).Distinct().ToArray();
            var positions = picked.SelectMany(i => frames.Frame(i).ToArray()).ToArray();
            var batch = energy.Evaluate(positions, withForces: true);
            for (int j = 0; j < picked.Length; j++)
            {
                double bound = StoredEnergyBound.Of(positions.AsSpan(j * per, per), batch.Forces!.AsSpan(j * per, per));
                double diff = Math.Abs(batch.Energies[j] - stored[picked[j]]);
                Assert.True(diff <= bound, $"data/{system} {split} frame {picked[j]}: bgen energy {batch.Energies[j]} vs stored {stored[picked[j]]} kJ/mol (bound {bound:E2})");
            }
        }
    }
}
