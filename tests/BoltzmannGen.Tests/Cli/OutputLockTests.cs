using BoltzmannGen.Cli;
using BoltzmannGen.Data;
using BoltzmannGen.Tests.FineTuning;
using BoltzmannGen.Tests.Support;

namespace BoltzmannGen.Tests.Cli;

/// <summary>
/// Writers of sample and energy files hold their output's writer lock (issue 20, item 10: `reweight` rewrites
/// samples.npz in place without one), and the next writer removes the temporaries a killed one left (item 18).
/// </summary>
public class OutputLockTests
{
    private static string ForceFields => EnergyFixtures.Catalog.ForceFieldsDirectory;
    private const string Stale = ".tmp-0123456789ab";

    private static (int Code, string Error) Run(params string[] args) => InProcessBgen.Capture(args);

    /// <summary>samples.npz of the fixture's aldp frames with log q = 0 (enough for reweight).</summary>
    private static string Samples(TempDir dir)
    {
        var frames = Npy.Read(EnergyFixtures.File("aldp", "frames.npy"));
        int n = frames.Shape[0];
        string path = dir.File("samples.npz");
        Npz.Write(path, ("positions", new NpyArray(Array.ConvertAll(frames.ToDoubles(), v => (float)v), n, 22, 3)), ("log_q", new NpyArray(new double[n], n)));
        return path;
    }

    [Fact]
    public void Reweight_holds_the_samples_files_lock_a_second_writer_is_refused_and_the_file_untouched()
    {
        using var dir = new TempDir();
        string samples = Samples(dir);
        var before = File.ReadAllBytes(samples);
        using (WriterLock.Acquire(samples, "bgen reweight --samples samples.npz (the first)"))
        {
            var (code, _, error) = BgenProcess.Run("reweight", "--system", "aldp", "--samples", samples, "--forcefields", ForceFields, "--threads", "1");
            Assert.Equal(2, code);
            Assert.Equal($"error: {samples} is being written by another bgen process (pid {Environment.ProcessId}: bgen reweight --samples samples.npz (the first)).",
                error.Trim());
        }
        Assert.Equal(before, File.ReadAllBytes(samples));
    }

    [Fact]
    public void Reweight_removes_the_temporaries_a_killed_reweight_left()
    {
        using var dir = new TempDir();
        string samples = Samples(dir);
        File.WriteAllBytes(samples + Stale, new byte[1 << 20]);
        var (code, error) = Run("reweight", "--system", "aldp", "--samples", samples, "--forcefields", ForceFields, "--threads", "1");
        Assert.True(code == 0, error);
        Assert.False(File.Exists(samples + Stale));
        Assert.True(Npz.Contains(samples, "log_w"));
    }

    [Fact]
    public void Energy_removes_the_temporaries_of_its_outputs_a_killed_run_left()
    {
        using var dir = new TempDir();
        string csv = dir.File("e.csv"), forces = dir.File("f.npy");
        File.WriteAllText(csv + Stale, "frame,energy_kj_mol\n0,1\n");
        File.WriteAllText(forces + ".tmp-fedcba98", "partial");
        var (code, error) = Run("energy", "--system", "aldp", "--input", EnergyFixtures.File("aldp", "frames.npy"), "--out", csv, "--forces", forces,
            "--forcefields", ForceFields, "--threads", "1");
        Assert.True(code == 0, error);
        Assert.Equal(["e.csv", "f.npy"], dir.Files().Where(f => !f.StartsWith('.')).ToArray());
    }

    [Fact]
    public void Sample_removes_the_temporaries_a_killed_sample_left()
    {
        using var dir = new TempDir();
        string model = FineTunerTests.BaseModel(dir);
        File.WriteAllText(Path.Combine(model, ModelWeightsTemporary), "half a save");
        string output = dir.File("s.npz");
        File.WriteAllText(output + Stale, "half a file");
        var (code, error) = Run("sample", "--model", model, "--n", "4", "--out", output, "--device", "cpu");
        Assert.True(code == 0, error);
        Assert.False(File.Exists(output + Stale));
        Assert.True(File.Exists(Path.Combine(model, ModelWeightsTemporary)), "a reader leaves the model folder alone");
    }

    private const string ModelWeightsTemporary = "model.dat.tmp-01234567";
}
