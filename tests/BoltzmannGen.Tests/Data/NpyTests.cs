using BoltzmannGen.Tests.Support;
using System.Text.Json;
using BoltzmannGen.Data;

namespace BoltzmannGen.Tests.Data;

public class NpyTests
{
    /// <summary>Checks an array read by us against what numpy wrote (expected.json), element by element.</summary>
    private static void AssertMatches(JsonElement expected, NpyArray actual)
    {
        Assert.Equal(ExpectedJson.Descr(expected), actual.Descr);
        Assert.Equal(ExpectedJson.Shape(expected), actual.Shape);
        switch (actual.DType)
        {
            case NpyDType.Float32:
                Assert.Equal(ExpectedJson.Doubles(expected), actual.AsFloat32().Select(f => (double)f).ToArray());
                break;
            case NpyDType.Float64:
                Assert.Equal(ExpectedJson.Doubles(expected), actual.AsFloat64());
                break;
            case NpyDType.Bool:
                Assert.Equal(ExpectedJson.Bools(expected), actual.AsBool());
                break;
            case NpyDType.Int32:
                Assert.Equal(ExpectedJson.Longs(expected), actual.AsInt32().Select(v => (long)v).ToArray());
                break;
            case NpyDType.Int64:
                Assert.Equal(ExpectedJson.Longs(expected), actual.AsInt64());
                break;
            case NpyDType.UInt8:
                Assert.Equal(ExpectedJson.Longs(expected), actual.AsUInt8().Select(v => (long)v).ToArray());
                break;
            default:
                Assert.Fail($"unexpected dtype {actual.DType}");
                break;
        }
    }

    [Theory]
    [InlineData("f32_3d")]
    [InlineData("f64_2d")]
    [InlineData("bool_1d")]
    [InlineData("i4_1d")]
    [InlineData("i8_2d")]
    [InlineData("u1_1d")]
    [InlineData("f8_scalar")]
    [InlineData("f4_empty")]
    [InlineData("v2")]
    [InlineData("v3")]
    public void Read_NumpyFile_GivesNumpysValues(string name)
    {
        var array = Npy.Read(FixturePath.Io(name + ".npy"));
        AssertMatches(ExpectedJson.Npy(name), array);
        Assert.Equal(FixturePath.Io(name + ".npy"), array.Source);
    }

    [Theory]
    [InlineData("f32_3d")]
    [InlineData("f64_2d")]
    [InlineData("bool_1d")]
    [InlineData("i4_1d")]
    [InlineData("i8_2d")]
    [InlineData("u1_1d")]
    [InlineData("f8_scalar")]
    [InlineData("f4_empty")]
    public void Write_ProducesTheBytesNumpyWrites(string name)
    {
        // numpy 1.24 writes version 1.0 with the header padded to 64 bytes: our writer must match it exactly.
        string numpyFile = FixturePath.Io(name + ".npy");
        using var dir = new TempDir();
        Npy.Write(dir.File("out.npy"), Npy.Read(numpyFile));
        Assert.Equal(File.ReadAllBytes(numpyFile), File.ReadAllBytes(dir.File("out.npy")));
    }

    [Fact]
    public void ReadDoubles_WidensFloat32Exactly()
    {
        var expected = ExpectedJson.Npy("f32_3d");
        double[] values = Npy.ReadDoubles(FixturePath.Io("f32_3d.npy"), out int[] shape);
        Assert.Equal(new[] { 4, 5, 3 }, shape);
        Assert.Equal(ExpectedJson.Doubles(expected), values);
    }

    [Fact]
    public void RoundTrip_EveryDType()
    {
        using var dir = new TempDir();
        var arrays = new NpyArray[]
        {
            new(new[] { 1.5f, -2.25f, float.MaxValue, float.Epsilon, 0f, -0f }, 2, 3),
            new(new[] { Math.PI, -1e300, double.NaN, double.NegativeInfinity }, 4),
            new(new[] { true, false, false, true }, 2, 2),
            new(new[] { int.MinValue, -1, 0, int.MaxValue }, 4, 1),
            new(new[] { long.MinValue, long.MaxValue, 42L }, 3),
            new(new byte[] { 0, 7, 255 }, 3),
        };
        foreach (var a in arrays)
        {
            string file = dir.File($"{a.DType}.npy");
            Npy.Write(file, a);
            var back = Npy.Read(file);
            Assert.Equal(a.DType, back.DType);
            Assert.Equal(a.Shape, back.Shape);
            Assert.Equal(a.Data, back.Data);
        }
        // -0.0 keeps its sign bit through the file.
        Assert.True(double.IsNegative(Npy.Read(dir.File("Float32.npy")).AsFloat32()[5]));
    }

    [Fact]
    public void Write_HugeHeader_UsesVersion2()
    {
        // 22000 dimensions of length 1: the shape text alone exceeds the 64 KiB a version 1.0 header can hold.
        var shape = Enumerable.Repeat(1, 22000).ToArray();
        using var dir = new TempDir();
        string file = dir.File("big_header.npy");
        Npy.Write(file, new[] { 2.5 }, shape);
        byte[] bytes = File.ReadAllBytes(file);
        Assert.Equal(2, bytes[6]);
        Assert.Equal(0, (bytes.Length - 8) % 64); // the 8 data bytes start 64-aligned
        var back = Npy.Read(file);
        Assert.Equal(shape, back.Shape);
        Assert.Equal(new[] { 2.5 }, back.AsFloat64());
    }

    [Fact]
    public void Write_SmallArray_UsesVersion1AndAlignsData()
    {
        using var dir = new TempDir();
        string file = dir.File("a.npy");
        Npy.Write(file, new[] { 1f, 2f, 3f }, 3);
        byte[] bytes = File.ReadAllBytes(file);
        Assert.Equal(1, bytes[6]);
        Assert.Equal(0, (bytes.Length - 12) % 64);
        Assert.Equal((byte)'\n', bytes[bytes.Length - 13]);
    }

    [Fact]
    public void FortranOrder_IsRefusedNamingTheFile()
    {
        string file = FixturePath.Io("fortran.npy");
        var e = Assert.Throws<InputException>(() => Npy.Read(file));
        Assert.Contains(file, e.Message);
        Assert.Contains("Fortran order", e.Message);
        Assert.Contains("2×3", e.Message);
    }

    [Fact]
    public void Truncated_SaysHowManyBytesWereExpectedAndFound()
    {
        string file = FixturePath.Io("truncated.npy");
        var e = Assert.Throws<InputException>(() => Npy.Read(file));
        Assert.Contains(file, e.Message);
        var t = ExpectedJson.Npy("truncated");
        Assert.Contains($"header says 24×22×3 float32 = {t.GetProperty("data_bytes").GetInt32()} bytes of data, file has {t.GetProperty("present").GetInt32()}", e.Message);
    }

    [Theory]
    [InlineData("bigendian.npy", "'>f8'")]
    [InlineData("complex.npy", "'<c16'")]
    public void UnsupportedDType_IsNamed(string name, string descr)
    {
        string file = FixturePath.Io(name);
        var e = Assert.Throws<InputException>(() => Npy.Read(file));
        Assert.Contains(file, e.Message);
        Assert.Contains($"unsupported dtype {descr}", e.Message);
        Assert.Contains("'<f4'", e.Message); // lists what is supported
    }

    [Fact]
    public void ExtraBytesAfterData_AreAnError()
    {
        using var dir = new TempDir();
        string file = dir.File("extra.npy");
        File.WriteAllBytes(file, [.. File.ReadAllBytes(FixturePath.Io("i4_1d.npy")), 1, 2, 3]);
        var e = Assert.Throws<InputException>(() => Npy.Read(file));
        Assert.Contains(file, e.Message);
        Assert.Contains("= 16 bytes of data, file has 19", e.Message);
    }

    [Fact]
    public void NotNpy_IsAnError()
    {
        using var dir = new TempDir();
        string file = dir.File("text.npy");
        File.WriteAllText(file, "just some text, long enough");
        var e = Assert.Throws<InputException>(() => Npy.Read(file));
        Assert.Contains(file, e.Message);
        Assert.Contains("not a .npy file", e.Message);
    }

    [Theory]
    [InlineData("{'descr': '<f4', 'shape': (3,), }", "fortran_order")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (3, -1), }", "shape entry 1")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (3,)", "expected ',' or '}'")]
    [InlineData("['descr', '<f4']", "not a dictionary")]
    public void MalformedHeader_IsAnError(string dict, string detail)
    {
        using var dir = new TempDir();
        string file = dir.File("bad.npy");
        var header = System.Text.Encoding.Latin1.GetBytes(dict + "\n");
        var bytes = new List<byte> { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 };
        bytes.AddRange(BitConverter.GetBytes((ushort)header.Length));
        bytes.AddRange(header);
        bytes.AddRange(new byte[12]);
        File.WriteAllBytes(file, bytes.ToArray());
        var e = Assert.Throws<InputException>(() => Npy.Read(file));
        Assert.Contains(file, e.Message);
        Assert.Contains("malformed .npy header", e.Message);
        Assert.Contains(detail, e.Message);
    }

    [Fact]
    public void UnknownVersion_IsAnError()
    {
        using var dir = new TempDir();
        string file = dir.File("v9.npy");
        var bytes = File.ReadAllBytes(FixturePath.Io("i4_1d.npy"));
        bytes[6] = 9;
        File.WriteAllBytes(file, bytes);
        var e = Assert.Throws<InputException>(() => Npy.Read(file));
        Assert.Contains(file, e.Message);
        Assert.Contains("version 9.0", e.Message);
    }

    [Fact]
    public void MissingFile_IsAnInputError()
    {
        string file = Path.Combine(Path.GetTempPath(), "no-such-dir-" + Guid.NewGuid().ToString("N"), "x.npy");
        var e = Assert.Throws<InputException>(() => Npy.Read(file));
        Assert.Contains(file, e.Message);
        Assert.Contains("not found", e.Message);
    }

    [Fact]
    public void WrongDTypeAccessor_NamesFileAndBothTypes()
    {
        string file = FixturePath.Io("f32_3d.npy");
        var array = Npy.Read(file);
        var e = Assert.Throws<InputException>(() => array.AsFloat64());
        Assert.Contains(file, e.Message);
        Assert.Contains("float64", e.Message);
        Assert.Contains("float32", e.Message);
        Assert.Throws<InputException>(() => Npy.Read(FixturePath.Io("bool_1d.npy")).ToDoubles());
    }

    [Fact]
    public void Write_LengthNotMatchingShape_ThrowsAndLeavesNoFile()
    {
        using var dir = new TempDir();
        string file = dir.File("bad.npy");
        var e = Assert.Throws<ArgumentException>(() => Npy.Write(file, new float[10], 2, 2, 3));
        Assert.Contains("12", e.Message);
        Assert.Empty(dir.Files());
    }

    [Fact]
    public void Write_ReplacesExistingFileWhole()
    {
        using var dir = new TempDir();
        string file = dir.File("a.npy");
        Npy.Write(file, new double[1000], 1000);
        Npy.Write(file, new[] { 1.0, 2.0 }, 2);
        Assert.Equal(new[] { 1.0, 2.0 }, Npy.Read(file).AsFloat64());
        Assert.Equal(new[] { "a.npy" }, dir.Files());
    }
}
