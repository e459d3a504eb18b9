using BoltzmannGen.Tests.Support;
using System.IO.Compression;
using BoltzmannGen.Data;

namespace BoltzmannGen.Tests.Data;

public class NpzTests
{
    private static string[] ExpectedNames =>
        ExpectedJson.Root.GetProperty("npz").GetProperty("names").EnumerateArray().Select(v => v.GetString()!).ToArray();

    private static System.Text.Json.JsonElement Expected(string name) =>
        ExpectedJson.Root.GetProperty("npz").GetProperty("arrays").GetProperty(name);

    [Theory]
    [InlineData("samples.npz")]
    [InlineData("samples_compressed.npz")]
    public void Names_AreNumpysKeysInOrder(string file)
    {
        Assert.Equal(ExpectedNames, Npz.Names(FixturePath.Io(file)));
        Assert.True(Npz.Contains(FixturePath.Io(file), "log_q"));
        Assert.False(Npz.Contains(FixturePath.Io(file), "log_q.npy"));
    }

    [Theory]
    [InlineData("samples.npz")]
    [InlineData("samples_compressed.npz")]
    public void Read_GivesNumpysValues(string file)
    {
        string path = FixturePath.Io(file);
        var positions = Npz.Read(path, "positions");
        Assert.Equal(ExpectedJson.Shape(Expected("positions")), positions.Shape);
        Assert.Equal(ExpectedJson.Doubles(Expected("positions")), positions.AsFloat32().Select(f => (double)f).ToArray());
        var logQ = Npz.Read(path, "log_q");
        Assert.Equal(ExpectedJson.Doubles(Expected("log_q")), logQ.AsFloat64());
        var valid = Npz.Read(path, "valid");
        Assert.Equal(ExpectedJson.Bools(Expected("valid")), valid.AsBool());
        Assert.Equal($"{path}:valid", valid.Source);
    }

    [Fact]
    public void ReadAll_ReturnsEveryArray()
    {
        var all = Npz.ReadAll(FixturePath.Io("samples.npz"));
        Assert.Equal(ExpectedNames, all.Keys.ToArray());
        Assert.Equal(ExpectedJson.Doubles(Expected("log_q")), all["log_q"].AsFloat64());
    }

    [Fact]
    public void MissingName_ListsTheNamesPresent()
    {
        string path = FixturePath.Io("samples.npz");
        var e = Assert.Throws<InputException>(() => Npz.Read(path, "energy"));
        Assert.Contains(path, e.Message);
        Assert.Contains("'energy'", e.Message);
        Assert.Contains("positions, log_q, valid", e.Message);
    }

    [Fact]
    public void RoundTrip_KeepsNamesOrderAndValues()
    {
        using var dir = new TempDir();
        string path = dir.File("s.npz");
        var positions = new NpyArray(new[] { 1f, 2f, 3f, 4f, 5f, 6f }, 1, 2, 3);
        var logW = new NpyArray(new[] { -1.5 }, 1);
        var valid = new NpyArray(new[] { true }, 1);
        Npz.Write(path, ("positions", positions), ("log_w", logW), ("valid", valid));

        Assert.Equal(new[] { "positions", "log_w", "valid" }, Npz.Names(path));
        Assert.Equal(positions.Data, Npz.Read(path, "positions").Data);
        Assert.Equal(new[] { 1, 2, 3 }, Npz.Read(path, "positions").Shape);
        Assert.Equal(logW.Data, Npz.Read(path, "log_w").Data);
        Assert.Equal(valid.Data, Npz.Read(path, "valid").Data);
        Assert.Equal(new[] { "s.npz" }, dir.Files());
    }

    [Fact]
    public void Write_StoresUncompressedNpyEntriesLikeNumpySavez()
    {
        using var dir = new TempDir();
        string path = dir.File("s.npz");
        var a = new NpyArray(new[] { 1.0, 2.0, 3.0 }, 3);
        Npz.Write(path, ("x", a));
        using var zip = ZipFile.OpenRead(path);
        var entry = Assert.Single(zip.Entries);
        Assert.Equal("x.npy", entry.FullName);
        Assert.Equal(entry.Length, entry.CompressedLength); // stored, not deflated
        // The entry is exactly the .npy file numpy would write for the same array.
        using var ms = new MemoryStream();
        Npy.Write(ms, a);
        using var es = entry.Open();
        using var copy = new MemoryStream();
        es.CopyTo(copy);
        Assert.Equal(ms.ToArray(), copy.ToArray());
    }

    [Fact]
    public void Write_SameArraysTwice_GivesIdenticalBytes()
    {
        using var dir = new TempDir();
        var a = new NpyArray(new[] { 1.0, 2.0 }, 2);
        Npz.Write(dir.File("a.npz"), ("x", a));
        Thread.Sleep(2100); // zip times have 2 s resolution: a clock-stamped entry would differ
        Npz.Write(dir.File("b.npz"), ("x", a));
        Assert.Equal(File.ReadAllBytes(dir.File("a.npz")), File.ReadAllBytes(dir.File("b.npz")));
    }

    [Fact]
    public void Write_DuplicateName_ThrowsAndLeavesNoFile()
    {
        using var dir = new TempDir();
        var a = new NpyArray(new[] { 1.0 }, 1);
        var e = Assert.Throws<ArgumentException>(() => Npz.Write(dir.File("d.npz"), ("x", a), ("x", a)));
        Assert.Contains("'x'", e.Message);
        Assert.Empty(dir.Files());
    }

    [Fact]
    public void NotAZip_IsAnInputError()
    {
        string path = FixturePath.Io("f64_2d.npy");
        var e = Assert.Throws<InputException>(() => Npz.Names(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("not a valid .npz", e.Message);
    }

    [Fact]
    public void TruncatedEntry_NamesArchiveAndArray()
    {
        // A zip whose "x.npy" entry is a truncated .npy: the error names both the archive and the entry.
        using var dir = new TempDir();
        string path = dir.File("t.npz");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            var entry = zip.CreateEntry("x.npy", CompressionLevel.NoCompression);
            using var s = entry.Open();
            s.Write(File.ReadAllBytes(FixturePath.Io("truncated.npy")));
        }
        var e = Assert.Throws<InputException>(() => Npz.Read(path, "x"));
        Assert.Contains($"{path}:x", e.Message);
        Assert.Contains("file has 1000", e.Message);
    }

    [Fact]
    public void MissingFile_IsAnInputError()
    {
        string path = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".npz");
        var e = Assert.Throws<InputException>(() => Npz.Read(path, "x"));
        Assert.Contains(path, e.Message);
        Assert.Contains("not found", e.Message);
    }
}
