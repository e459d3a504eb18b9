using System.Text.Json.Nodes;
using System.Text;
using BoltzmannGen.Data;
using BoltzmannGen.Targets;
using BoltzmannGen.Tests.Support;

namespace BoltzmannGen.Tests.Targets;

/// <summary>A targets file without the checksum of its pairs is refused, not read unverified.</summary>
public class TargetsFileChecksumTests
{
    [Fact]
    public void A_targets_file_whose_meta_lost_its_checksum_entry_is_refused()
    {
        using var dir = new TempDir();
        var x = Enumerable.Range(0, 2 * 66).Select(i => (float)i).ToArray();
        string path = dir.File("t.npz");
        new TargetsFile(x, x, 2, 22, 0.3, new TargetsMeta { System = "aldp", Kind = "ot", Pairs = 2 }).Write(path);
        Assert.Equal(TargetsFile.Checksum(x, x), TargetsFile.Read(path, "aldp", 22).Meta.Sha256);

        var all = Npz.ReadAll(path).ToDictionary(kv => kv.Key, kv => kv.Value);
        var meta = JsonNode.Parse(Encoding.UTF8.GetString(all["meta"].AsUInt8()))!.AsObject();
        Assert.True(meta.Remove("sha256"));
        var bytes = Encoding.UTF8.GetBytes(meta.ToJsonString());
        all["meta"] = new NpyArray(bytes, bytes.Length);
        Npz.Write(path, all);

        var e = Assert.Throws<InputException>(() => TargetsFile.Read(path, "aldp", 22));
        Assert.Contains(path, e.Message);
        Assert.Contains("checksum entry is missing", e.Message);
    }
}
