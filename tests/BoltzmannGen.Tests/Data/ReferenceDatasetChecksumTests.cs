using System.Text.Json.Nodes;
using BoltzmannGen.Datasets;
using BoltzmannGen.Tests.Support;

namespace BoltzmannGen.Tests.Data;

/// <summary>
/// Every file a dataset is read from must have a checksum entry in meta.json: deleting an entry is an error that
/// names the file, not a silently skipped check. The shipped datasets are complete.
/// </summary>
public class ReferenceDatasetChecksumTests
{
    /// <summary>A 10-frame aldp dataset (splits 8/1/1) written by <see cref="ReferenceDataset.Write"/>.</summary>
    private static void WriteTiny(string directory)
    {
        var system = EnergyFixtures.System("aldp");
        var reference = system.ReferencePositions;
        const int frames = 10;
        var positions = new float[frames * reference.Length];
        for (int f = 0; f < frames; f++)
            for (int i = 0; i < reference.Length; i++)
                positions[f * reference.Length + i] = (float)(reference[i] + 0.001 * f);
        var energies = Enumerable.Range(0, frames).Select(f => -100.0 + f).ToArray();
        ReferenceDataset.Write(directory, system, positions, energies,
            sizes => new DatasetMeta { System = "aldp", Atoms = system.AtomCount, Frames = sizes });
    }

    private static void EditMeta(string directory, Action<JsonObject> edit)
    {
        string path = Path.Combine(directory, ReferenceDataset.MetaFile);
        var meta = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(meta);
        File.WriteAllText(path, meta.ToJsonString());
    }

    [Theory]
    [InlineData("train.npy")]
    [InlineData("val.npy")]
    [InlineData("test.npy")]
    [InlineData("train_energy.npy")]
    [InlineData("val_energy.npy")]
    [InlineData("test_energy.npy")]
    [InlineData("topology.pdb")]
    [InlineData("trajectory.dcd")]
    public void A_deleted_checksum_entry_fails_the_load_naming_the_file(string file)
    {
        using var dir = new TempDir();
        WriteTiny(dir.Path);
        Assert.Equal(8, ReferenceDataset.Load(dir.Path).Split("train").Count); // complete: loads

        EditMeta(dir.Path, meta => Assert.True(meta["sha256"]!.AsObject().Remove(file)));
        var e = Assert.Throws<InputException>(() => ReferenceDataset.Load(dir.Path));
        Assert.Contains(Path.Combine(dir.Path, file), e.Message);
        Assert.Contains("checksum entry is missing", e.Message);
    }

    [Theory]
    [InlineData("extra.npy")]
    [InlineData("extra_energy.npy")]
    public void With_pooled_runs_the_extra_files_need_checksum_entries_too(string file)
    {
        using var dir = new TempDir();
        WriteTiny(dir.Path);
        File.Copy(dir.File("train.npy"), dir.File("extra.npy"));
        File.Copy(dir.File("train_energy.npy"), dir.File("extra_energy.npy"));
        EditMeta(dir.Path, meta =>
        {
            meta["extra_runs"] = new JsonArray(new JsonObject { ["seed"] = 2, ["frames"] = 8 });
            var sums = meta["sha256"]!.AsObject();
            sums["extra.npy"] = ReferenceDataset.Sha256(dir.File("extra.npy"));
            sums["extra_energy.npy"] = ReferenceDataset.Sha256(dir.File("extra_energy.npy"));
        });
        Assert.Equal(18, ReferenceDataset.Load(dir.Path).Pooled().Count);

        EditMeta(dir.Path, meta => Assert.True(meta["sha256"]!.AsObject().Remove(file)));
        var e = Assert.Throws<InputException>(() => ReferenceDataset.Load(dir.Path));
        Assert.Contains(Path.Combine(dir.Path, file), e.Message);
        Assert.Contains("checksum entry is missing", e.Message);
    }

    [Fact]
    public void A_file_without_a_checksum_entry_is_not_read_even_if_it_exists()
    {
        using var dir = new TempDir();
        WriteTiny(dir.Path);
        File.Copy(dir.File("train.npy"), dir.File("extra.npy")); // on disk, but meta.json lists no extra runs
        var dataset = ReferenceDataset.Load(dir.Path);
        var e = Assert.Throws<InputException>(() => dataset.Split(ReferenceDataset.ExtraSplit));
        Assert.Contains("extra.npy", e.Message);
        Assert.Contains("checksum entry is missing", e.Message);
    }

    [Theory]
    [InlineData("aldp")]
    [InlineData("al3")]
    [InlineData("al4")]
    public void The_shipped_datasets_have_a_checksum_for_every_file_they_are_read_from(string system)
    {
        string directory = Path.Combine(EnergyFixtures.Catalog.ForceFieldsDirectory, "..", "data", system);
        var dataset = ReferenceDataset.Load(directory, EnergyFixtures.System(system));
        var required = ReferenceDataset.RequiredFiles(dataset.Meta).ToList();
        Assert.Contains("train.npy", required);
        Assert.Equal(dataset.HasExtraRuns, required.Contains("extra.npy"));
        Assert.All(required, f => Assert.True(dataset.Meta.Sha256.ContainsKey(f), f));
    }
}
