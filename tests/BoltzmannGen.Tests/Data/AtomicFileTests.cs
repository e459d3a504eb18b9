using BoltzmannGen.Tests.Support;
using BoltzmannGen.Data;

namespace BoltzmannGen.Tests.Data;

public class AtomicFileTests
{
    [Fact]
    public void FailureMidWrite_LeavesNoFileAndNoTemporary()
    {
        using var dir = new TempDir();
        string file = dir.File("out.bin");
        var e = Assert.Throws<IOException>(() => AtomicFile.Write(file, s =>
        {
            s.Write(new byte[4096]);
            throw new IOException("disk gone");
        }));
        Assert.Equal("disk gone", e.Message);
        Assert.Empty(dir.Files());
    }

    [Fact]
    public void FailureMidWrite_KeepsThePreviousFile()
    {
        using var dir = new TempDir();
        string file = dir.File("out.bin");
        File.WriteAllBytes(file, [1, 2, 3]);
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(file, s =>
        {
            s.Write(new byte[] { 9, 9, 9, 9, 9 });
            throw new InvalidOperationException();
        }));
        Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(file));
        Assert.Equal(new[] { "out.bin" }, dir.Files());
    }

    [Fact]
    public void WhileWriting_TargetIsUntouchedAndTemporaryIsBesideIt()
    {
        using var dir = new TempDir();
        string file = dir.File("out.bin");
        string[]? during = null;
        AtomicFile.Write(file, s =>
        {
            s.Write(new byte[] { 4, 5 });
            during = dir.Files();
        });
        Assert.NotNull(during);
        var tmp = Assert.Single(during!);
        Assert.StartsWith("out.bin.tmp-", tmp);
        Assert.Equal(new byte[] { 4, 5 }, File.ReadAllBytes(file));
        Assert.Equal(new[] { "out.bin" }, dir.Files());
    }
}
