using BoltzmannGen.Tests.Support;
using System.Buffers.Binary;
using BoltzmannGen.Data;

namespace BoltzmannGen.Tests.Data;

public class DcdTests
{
    private static readonly string Traj = FixturePath.Io("traj.dcd");
    private static System.Text.Json.JsonElement Expected => ExpectedJson.Root.GetProperty("dcd");
    private static int Atoms => Expected.GetProperty("atoms").GetInt32();

    /// <summary>float64(float32(10 x)) * 0.1, computed by numpy from the positions OpenMM was given.</summary>
    private static double[] ExpectedNm() => Npy.Read(FixturePath.Io("traj_expected_nm.npy")).AsFloat64();

    private static Frames InputFrames()
    {
        var a = Npy.Read(FixturePath.Io("traj_input_nm.npy"));
        return new Frames(a.Shape[0], a.Shape[1], a.AsFloat64());
    }

    [Theory]
    [InlineData("traj.dcd")]
    [InlineData("traj_cell.dcd")]
    public void Read_OpenMMFile_GivesNumpysNm(string name)
    {
        var frames = Dcd.Read(FixturePath.Io(name), Atoms);
        Assert.Equal(Expected.GetProperty("frames").GetInt32(), frames.Count);
        Assert.Equal(Atoms, frames.AtomCount);
        Assert.Equal(ExpectedNm(), frames.Positions); // bit for bit
    }

    [Fact]
    public void ReadHeader_OpenMMFile()
    {
        var h = Dcd.ReadHeader(Traj);
        Assert.Equal(Expected.GetProperty("frames").GetInt32(), h.FrameCount);
        Assert.Equal(Atoms, h.AtomCount);
        Assert.Equal(Expected.GetProperty("first_step").GetInt32(), h.FirstStep);
        Assert.Equal(Expected.GetProperty("interval").GetInt32(), h.Interval);
        Assert.Equal(Expected.GetProperty("dt_ps").GetDouble(), h.TimeStepPs, 9); // stored as float32 AKMA units
        Assert.False(h.HasUnitCell);
        Assert.Equal(Expected.GetProperty("titles").GetInt32(), h.Titles.Count);
        Assert.Equal("Created by OpenMM", h.Titles[0]);
        Assert.True(Dcd.ReadHeader(FixturePath.Io("traj_cell.dcd")).HasUnitCell);
    }

    [Fact]
    public void Write_MatchesOpenMMsBytesExceptTitles()
    {
        var h = Dcd.ReadHeader(Traj);
        using var dir = new TempDir();
        string file = dir.File("ours.dcd");
        Dcd.Write(file, InputFrames(), Expected.GetProperty("dt_ps").GetDouble(), h.FirstStep, h.Interval);
        byte[] ours = File.ReadAllBytes(file), openmm = File.ReadAllBytes(Traj);
        Assert.Equal(openmm.Length, ours.Length);
        // Bytes 100..259 are the two 80-character titles ("Created by ...", a date in OpenMM's).
        Assert.Equal(openmm[..100], ours[..100]);
        Assert.Equal(openmm[260..], ours[260..]);
        Assert.Equal(new[] { "ours.dcd" }, dir.Files());
    }

    [Fact]
    public void RoundTrip_GivesFloat32PrecisionInAngstrom()
    {
        var input = InputFrames();
        using var dir = new TempDir();
        string file = dir.File("rt.dcd");
        Dcd.Write(file, input);
        var back = Dcd.Read(file);
        Assert.Equal(ExpectedNm(), back.Positions);
        for (int i = 0; i < input.Positions.Length; i++)
            Assert.Equal(input.Positions[i], back.Positions[i], 1e-7 * Math.Max(1, Math.Abs(input.Positions[i])));
    }

    [Fact]
    public void Writer_KeepsHeaderCountCurrentAfterEveryFrame()
    {
        var input = InputFrames();
        using var dir = new TempDir();
        string file = dir.File("live.dcd");
        using (var writer = DcdWriter.Create(file, input.AtomCount, 0.002, firstStep: 0, interval: 500))
        {
            Assert.Equal(0, Dcd.ReadHeader(file).FrameCount);
            for (int f = 0; f < input.Count; f++)
            {
                writer.WriteFrame(input.Frame(f));
                // Readable while still open: the header counts exactly the frames written so far.
                var now = Dcd.Read(file, input.AtomCount);
                Assert.Equal(f + 1, now.Count);
                Assert.Equal(ExpectedNm()[..((f + 1) * input.AtomCount * 3)], now.Positions);
                Assert.Equal(f + 1, writer.FrameCount);
            }
        }
        byte[] bytes = File.ReadAllBytes(file);
        Assert.Equal(3 * 500, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(20))); // last step, as OpenMM
    }

    [Fact]
    public void Append_ContinuesAnExistingTrajectory()
    {
        var input = InputFrames();
        using var dir = new TempDir();
        string file = dir.File("resume.dcd");
        using (var w = DcdWriter.Create(file, input.AtomCount))
            w.WriteFrame(input.Frame(0));
        // A crash mid-frame leaves bytes the header does not count; appending drops them.
        using (var fs = new FileStream(file, FileMode.Append)) fs.Write(new byte[37]);
        using (var w = DcdWriter.Append(file, input.AtomCount))
        {
            Assert.Equal(1, w.FrameCount);
            w.WriteFrame(input.Frame(1));
            w.WriteFrame(input.Frame(2));
        }
        var back = Dcd.Read(file, input.AtomCount);
        Assert.Equal(3, back.Count);
        Assert.Equal(ExpectedNm(), back.Positions);
        Assert.Equal(276 + 3 * (3 * (8 + 4 * input.AtomCount)), new FileInfo(file).Length);
    }

    [Fact]
    public void Append_WrongAtomCount_IsAnInputError()
    {
        using var dir = new TempDir();
        string file = dir.File("a.dcd");
        File.Copy(Traj, file);
        var e = Assert.Throws<InputException>(() => DcdWriter.Append(file, Atoms + 1));
        Assert.Contains(file, e.Message);
        Assert.Contains($"{Atoms} atoms", e.Message);
    }

    [Fact]
    public void Append_TruncatedFile_NamesTheIncompleteFrame()
    {
        using var dir = new TempDir();
        string file = dir.File("t.dcd");
        File.Copy(FixturePath.Io("traj_truncated.dcd"), file);
        var e = Assert.Throws<InputException>(() => DcdWriter.Append(file, Atoms));
        Assert.Contains("frame 2", e.Message);
    }

    [Fact]
    public void WriteFrame_WrongLength_Throws()
    {
        using var dir = new TempDir();
        using var w = DcdWriter.Create(dir.File("w.dcd"), 4);
        var e = Assert.Throws<ArgumentException>(() => w.WriteFrame(new double[11]));
        Assert.Contains("12", e.Message);
        Assert.Equal(0, w.FrameCount);
    }

    [Fact]
    public void Truncated_NamesTheIncompleteFrame()
    {
        string file = FixturePath.Io("traj_truncated.dcd");
        var e = Assert.Throws<InputException>(() => Dcd.Read(file, Atoms));
        Assert.Contains(file, e.Message);
        Assert.Contains("frame 2", e.Message);
        Assert.Contains("incomplete", e.Message);
    }

    [Fact]
    public void WrongAtomCount_NamesBothCounts()
    {
        var e = Assert.Throws<InputException>(() => Dcd.Read(Traj, 22));
        Assert.Contains(Traj, e.Message);
        Assert.Contains($"has {Atoms} atoms, expected 22", e.Message);
    }

    [Fact]
    public void HeaderCountZero_CountsFramesFromFileSize()
    {
        using var dir = new TempDir();
        string file = dir.File("zero.dcd");
        byte[] bytes = File.ReadAllBytes(Traj);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), 0);
        File.WriteAllBytes(file, bytes);
        Assert.Equal(ExpectedNm(), Dcd.Read(file).Positions);
        File.WriteAllBytes(file, bytes[..^4]);
        var e = Assert.Throws<InputException>(() => Dcd.Read(file));
        Assert.Contains("frame 2", e.Message);
    }

    [Fact]
    public void CorruptRecordMarker_NamesTheFrame()
    {
        using var dir = new TempDir();
        string file = dir.File("bad.dcd");
        byte[] bytes = File.ReadAllBytes(Traj);
        int frameBytes = 3 * (8 + 4 * Atoms);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(276 + frameBytes + (8 + 4 * Atoms)), 7); // frame 1, Y record
        File.WriteAllBytes(file, bytes);
        var e = Assert.Throws<InputException>(() => Dcd.Read(file));
        Assert.Contains(file, e.Message);
        Assert.Contains("frame 1", e.Message);
        Assert.Contains("Y coordinates", e.Message);
    }

    [Theory]
    [InlineData("models.pdb", "not a DCD file")]
    [InlineData("f32_3d.npy", "not a DCD file")]
    public void NotADcd_IsAnError(string name, string detail)
    {
        string file = FixturePath.Io(name);
        var e = Assert.Throws<InputException>(() => Dcd.Read(file));
        Assert.Contains(file, e.Message);
        Assert.Contains(detail, e.Message);
    }

    [Fact]
    public void BigEndian_IsRefusedByName()
    {
        using var dir = new TempDir();
        string file = dir.File("be.dcd");
        byte[] bytes = File.ReadAllBytes(Traj);
        BinaryPrimitives.WriteInt32BigEndian(bytes, 84);
        File.WriteAllBytes(file, bytes);
        var e = Assert.Throws<InputException>(() => Dcd.Read(file));
        Assert.Contains("big-endian", e.Message);
    }

    [Fact]
    public void MissingFile_IsAnInputError()
    {
        string path = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".dcd");
        var e = Assert.Throws<InputException>(() => Dcd.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("not found", e.Message);
    }
}
