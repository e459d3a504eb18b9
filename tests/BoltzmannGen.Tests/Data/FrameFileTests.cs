using BoltzmannGen.Tests.Support;
using BoltzmannGen.Data;

namespace BoltzmannGen.Tests.Data;

public class FrameFileTests
{
    [Fact]
    public void Npy3D_Float32_IsWidenedExactly()
    {
        var frames = FrameFile.Read(FixturePath.Io("f32_3d.npy"), 5);
        Assert.Equal(4, frames.Count);
        Assert.Equal(5, frames.AtomCount);
        Assert.Equal(ExpectedJson.Doubles(ExpectedJson.Npy("f32_3d")), frames.Positions);
    }

    [Fact]
    public void Npy2D_IsOneFrame()
    {
        var frames = FrameFile.Read(FixturePath.Io("f64_2d.npy"), 6);
        Assert.Equal(1, frames.Count);
        Assert.Equal(ExpectedJson.Doubles(ExpectedJson.Npy("f64_2d")), frames.Positions);
    }

    [Fact]
    public void Pdb_AllModels()
    {
        var frames = FrameFile.Read(FixturePath.Io("models.pdb"), 10);
        Assert.Equal(3, frames.Count);
        Assert.Equal(Npy.Read(FixturePath.Io("models_expected_nm.npy")).AsFloat64(), frames.Positions);
    }

    [Fact]
    public void Dcd_AllFrames()
    {
        var frames = FrameFile.Read(FixturePath.Io("traj.dcd"), 10);
        Assert.Equal(Npy.Read(FixturePath.Io("traj_expected_nm.npy")).AsFloat64(), frames.Positions);
    }

    [Fact]
    public void ExtensionIsCaseInsensitive()
    {
        using var dir = new TempDir();
        string file = dir.File("UPPER.NPY");
        File.Copy(FixturePath.Io("f64_2d.npy"), file);
        Assert.Equal(6, FrameFile.Read(file, 6).AtomCount);
    }

    [Fact]
    public void NonFiniteValues_AreNotCheckedHere()
    {
        using var dir = new TempDir();
        string file = dir.File("nan.npy");
        Npy.Write(file, new[] { double.NaN, 0, 0, double.PositiveInfinity, 0, 0 }, 2, 3);
        var frames = FrameFile.Read(file, 2);
        Assert.True(double.IsNaN(frames.Positions[0]));
    }

    [Fact]
    public void MissingFile()
    {
        string path = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".npy");
        var e = Assert.Throws<InputException>(() => FrameFile.Read(path, 22));
        Assert.Contains(path, e.Message);
        Assert.Contains("not found", e.Message);
    }

    [Theory]
    [InlineData("conf.xyz", "'.xyz'")]
    [InlineData("conf", "(no extension)")]
    public void UnknownExtension_ListsSupportedOnes(string name, string shown)
    {
        using var dir = new TempDir();
        string file = dir.File(name);
        File.WriteAllText(file, "1\n");
        var e = Assert.Throws<InputException>(() => FrameFile.Read(file, 1));
        Assert.Contains(file, e.Message);
        Assert.Contains(shown, e.Message);
        Assert.Contains(".npy, .npz, .pdb, .dcd", e.Message);
    }

    [Theory]
    [InlineData(new[] { 4, 5, 2 }, "(4, 5, 2)")]
    [InlineData(new[] { 15 }, "(15)")]
    [InlineData(new[] { 1, 1, 5, 3 }, "(1, 1, 5, 3)")]
    public void WrongShape_SaysFoundAndExpected(int[] shape, string found)
    {
        using var dir = new TempDir();
        string file = dir.File("bad.npy");
        Npy.Write(file, new float[NpyArray.ElementCountOf(shape)], shape);
        var e = Assert.Throws<InputException>(() => FrameFile.Read(file, 5));
        Assert.Contains(file, e.Message);
        Assert.Contains($"shape {found} found", e.Message);
        Assert.Contains("expected (frames, 5, 3) or (5, 3)", e.Message);
    }

    [Fact]
    public void IntegerNpy_IsRefused()
    {
        string file = FixturePath.Io("i8_2d.npy");
        var e = Assert.Throws<InputException>(() => FrameFile.Read(file, 2));
        Assert.Contains(file, e.Message);
        Assert.Contains("int64", e.Message);
    }

    [Theory]
    [InlineData("f32_3d.npy", 5)]
    [InlineData("f64_2d.npy", 6)]
    [InlineData("models.pdb", 10)]
    [InlineData("traj.dcd", 10)]
    public void WrongAtomCount_SaysBoth(string name, int actual)
    {
        string file = FixturePath.Io(name);
        var e = Assert.Throws<InputException>(() => FrameFile.Read(file, 22));
        Assert.Contains(file, e.Message);
        Assert.Contains($"{actual} atoms, expected 22", e.Message);
    }
}
