using System.Text.Json;
using BoltzmannGen.Datasets;
using BoltzmannGen.Tests.Support;

namespace BoltzmannGen.Tests.Data;

/// <summary>
/// Every shipped dataset's φ>0 populations in meta.json (written by `bgen simulate` and `bgen pool`) against the numpy
/// reference of tools/md_phi_populations.py (Fixtures/analysis/md_phi_populations.json: its own PDB parsing, dihedral
/// formula and block error). The fixture pins the sha256 of every frame file it read, so a dataset replaced or pooled
/// without rerunning the script fails here rather than comparing against stale numbers.
/// </summary>
public class MdPhiPopulationsTests
{
    private static readonly JsonElement Reference =
        JsonDocument.Parse(File.ReadAllText(FixturePath.Get(Path.Combine("analysis", "md_phi_populations.json")))).RootElement;

    public static TheoryData<string> Datasets()
    {
        var data = new TheoryData<string>();
        foreach (var folder in Directory.GetDirectories(FixturePath.Repository("data")).Order())
            if (File.Exists(Path.Combine(folder, "meta.json"))) data.Add(Path.GetFileName(folder));
        return data;
    }

    [Theory]
    [MemberData(nameof(Datasets))]
    public void Md_free_energies_that_bgen_autocorr_prints_come_from_every_pooled_frame(string dataset)
    {
        // numpy's pooled population over train/val/test + extra.npy gives ΔF_MD; the interval must hold it.
        var reference = Reference.GetProperty(dataset).GetProperty("phi_positive_population");
        string folder = FixturePath.Repository(Path.Combine("data", dataset));
        var topology = BoltzmannGen.Data.Pdb.Read(Path.Combine(folder, "topology.pdb")).Topology;
        var estimates = BoltzmannGen.Reporting.RunReportBuilder.MdFreeEnergies(ReferenceDataset.Load(folder), topology,
            new BoltzmannGen.Reporting.ReportOptions { Bootstrap = 50 });
        Assert.Equal(reference.EnumerateObject().Select(p => p.Name).Order(), estimates.Select(e => e.Name).Order());
        foreach (var e in estimates)
        {
            double p = reference.GetProperty(e.Name).GetProperty("pooled_mean").GetDouble();
            Assert.Equal(Math.Log((1 - p) / p), e.DeltaF, 9);
            Assert.InRange(e.DeltaF, e.Lower, e.Upper);
            Assert.Equal(reference.GetProperty(e.Name).GetProperty("pooled_frames").GetInt32(), e.Samples);
        }
    }

    [Theory]
    [MemberData(nameof(Datasets))]
    public void Meta_json_populations_equal_the_numpy_reference(string dataset)
    {
        Assert.True(Reference.TryGetProperty(dataset, out var reference),
            $"data/{dataset} is not in the fixture: run /usr/bin/python3 tools/md_phi_populations.py --fixture");
        using var meta = JsonDocument.Parse(File.ReadAllText(FixturePath.Repository(Path.Combine("data", dataset, "meta.json"))));
        var root = meta.RootElement;
        foreach (var file in reference.GetProperty("sha256").EnumerateObject())
            Assert.True(root.GetProperty("sha256").TryGetProperty(file.Name, out var sha) && sha.GetString() == file.Value.GetString(),
                $"data/{dataset}/{file.Name} changed since the fixture was made: rerun /usr/bin/python3 tools/md_phi_populations.py --fixture");

        var stored = root.GetProperty("phi_positive_population");
        var expected = reference.GetProperty("phi_positive_population");
        Assert.Equal(expected.EnumerateObject().Select(p => p.Name).Order(), stored.EnumerateObject().Select(p => p.Name).Order());
        foreach (var phi in expected.EnumerateObject())
        {
            var own = stored.GetProperty(phi.Name);
            Assert.Equal(phi.Value.GetProperty("mean").GetDouble(), own.GetProperty("mean").GetDouble(), 12);
            Assert.Equal(phi.Value.GetProperty("standard_error").GetDouble(), own.GetProperty("standard_error").GetDouble(), 12);
            if (root.TryGetProperty("pooled_phi_positive_population", out var pooled) && pooled.ValueKind == JsonValueKind.Object)
            {
                Assert.Equal(phi.Value.GetProperty("pooled_mean").GetDouble(), pooled.GetProperty(phi.Name).GetProperty("mean").GetDouble(), 12);
                // The between-seed error `bgen autocorr` shows comes from meta.json's run means; numpy's from the frames.
                var between = DatasetPool.BetweenSeedStandardErrors(ReferenceDataset.Load(FixturePath.Repository(Path.Combine("data", dataset))).Meta);
                Assert.Equal(phi.Value.GetProperty("between_seed_standard_error").GetDouble(), between[phi.Name], 12);
            }
            else
                Assert.Equal(phi.Value.GetProperty("frames").GetInt32(), phi.Value.GetProperty("pooled_frames").GetInt32()); // nothing pooled
        }
    }
}
