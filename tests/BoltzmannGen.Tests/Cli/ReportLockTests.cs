using System.Text.Json;
using BoltzmannGen.Data;
using BoltzmannGen.Datasets;
using BoltzmannGen.Flows;
using BoltzmannGen.Tests.FineTuning;
using BoltzmannGen.Tests.Support;

namespace BoltzmannGen.Tests.Cli;

/// <summary>
/// `bgen report` and `bgen compare` hold their output folder's writer lock (docs/design.md §5.8): a second writer of the
/// same folder, started while the first runs, is refused by name and the first's output is its own. Two real
/// processes; the first is held, lock taken, on an input that is a named pipe until the second has been refused.
/// </summary>
public class ReportLockTests
{
    private static string ForceFields => EnergyFixtures.Catalog.ForceFieldsDirectory;
    private static string ShippedAldp => Path.Combine(ForceFields, "..", "data", "aldp");

    /// <summary>Reweighted samples (positions, log q, energy, log w, valid): the first 300 MD test frames, uniform weights.</summary>
    private static string Samples(TempDir dir)
    {
        var reference = ReferenceDataset.Load(ShippedAldp, EnergyFixtures.System("aldp"));
        var test = reference.Split("test");
        int n = 300;
        string path = dir.File("samples.npz");
        Npz.Write(path, ("positions", new NpyArray(test.Positions.Take(n * 66).Select(v => (float)v).ToArray(), n, 22, 3)),
                        ("log_q", new NpyArray(new double[n], n)), ("energy", new NpyArray(reference.SplitEnergies("test").Take(n).ToArray(), n)),
                        ("log_w", new NpyArray(new double[n], n)), ("valid", new NpyArray(Enumerable.Repeat(true, n).ToArray(), n)));
        return path;
    }

    /// <summary>Replaces <paramref name="file"/> by a named pipe; returns its bytes (for <see cref="Feed"/>).</summary>
    private static byte[] MakePipe(string file)
    {
        var bytes = File.ReadAllBytes(file);
        File.Delete(file);
        using var mkfifo = System.Diagnostics.Process.Start("/usr/bin/mkfifo", [file])!;
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
        return bytes;
    }

    /// <summary>
    /// Writes <paramref name="bytes"/> into the pipe its reader has open, and puts a plain file with the same bytes in the
    /// pipe's place first, so that a reader opening the path again (checksum first, then the weights) reads the file.
    /// </summary>
    private static void Feed(string pipe, byte[] bytes)
    {
        string plain = pipe + ".plain";
        File.WriteAllBytes(plain, bytes);
        var write = Task.Run(() =>
        {
            using var stream = new FileStream(pipe, FileMode.Open, FileAccess.Write); // returns once the reader has it open
            File.Move(plain, pipe, overwrite: true);
            stream.Write(bytes);
        });
        if (write.Wait(TimeSpan.FromSeconds(120))) return;
        using (File.OpenRead(pipe)) { } // no reader came: unblock the writer, then fail
        Assert.Fail($"nothing read {pipe}");
    }

    private static string Label(string reportFolder)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(reportFolder, "report.json")));
        return doc.RootElement.GetProperty("label").GetString()!;
    }

    [Fact]
    public void Two_reports_into_one_folder_at_once_one_writes_and_the_other_is_refused_by_name()
    {
        using var dir = new TempDir();
        string samples = Samples(dir);
        string model = FineTunerTests.BaseModel(dir);
        string weights = Path.Combine(model, ModelDirectory.WeightsFile);
        var bytes = MakePipe(weights); // the first report waits here, its lock taken
        string output = dir.File("report");
        string[] common = ["report", "--system", "aldp", "--samples", samples, "--reference", ShippedAldp, "--out", output,
                           "--bootstrap", "10", "--tw2-points", "50", "--forcefields", ForceFields];
        using var first = BgenProcess.Start([.. common, "--label", "first", "--model", model]);
        first.WaitUntil(() => File.Exists(dir.File(".report.lock.owner")), "the first report's writer lock");

        var second = BgenProcess.Run([.. common, "--label", "second"]);
        Assert.Equal(2, second.Code);
        Assert.Equal($"error: {output} is being written by another bgen process (pid {first.Id}: bgen {string.Join(" ", common)} --label first --model {model}).",
                     second.Error.Trim());
        Assert.False(Directory.Exists(output), "the refused report wrote nothing");

        Feed(weights, bytes);
        var done = first.Wait(120);
        Assert.True(done.Code == 0, done.Error);
        Assert.Equal("first", Label(output));
        Assert.True(File.Exists(Path.Combine(output, "report.html")));
        Assert.False(File.Exists(dir.File(".report.lock.owner"))); // released cleanly
    }

    [Fact]
    public void Two_compares_into_one_folder_at_once_one_writes_and_the_other_is_refused_by_name()
    {
        using var dir = new TempDir();
        string example = FixturePath.Repository(Path.Combine("docs", "example-report", "report.json"));
        string a = dir.File("a.json"), b = dir.File("b.json");
        File.Copy(example, a);
        File.Copy(example, b);
        var bytes = MakePipe(b); // the first compare waits here, its lock taken
        string output = dir.File("comparison");
        using var first = BgenProcess.Start("compare", a, b, "--out", output);
        first.WaitUntil(() => File.Exists(dir.File(".comparison.lock.owner")), "the first compare's writer lock");

        var second = BgenProcess.Run("compare", a, "--out", output);
        Assert.Equal(2, second.Code);
        Assert.Equal($"error: {output} is being written by another bgen process (pid {first.Id}: bgen compare {a} {b} --out {output}).", second.Error.Trim());
        Assert.False(Directory.Exists(output), "the refused compare wrote nothing");

        Feed(b, bytes);
        var done = first.Wait(120);
        Assert.True(done.Code == 0, done.Error);
        Assert.Contains("comparison of 2 run(s)", done.Out);
        var csv = File.ReadAllLines(Path.Combine(output, BoltzmannGen.Reporting.Comparison.CsvName));
        Assert.Equal(3, csv.Length); // a header and the first's two runs, not the second's one
        Assert.False(File.Exists(dir.File(".comparison.lock.owner")));
    }
}
