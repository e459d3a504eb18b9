using BoltzmannGen.Data;
using BoltzmannGen.Energy;
using BoltzmannGen.Sampling;
using BoltzmannGen.Tests.Support;

namespace BoltzmannGen.Tests.Sampling;

/// <summary>The `bgen reweight` stage as a library call: a samples.npz scored and weighted in place, without the CLI.</summary>
public class SampleReweightingTests
{
    private static readonly EnergyOptions TwoThreads = new() { Threads = 2 };

    /// <summary>MD frames with log q := −u_ref + 17 (their own Boltzmann density) as a samples.npz.</summary>
    private static string WriteSamples(TempDir dir, params (string Name, NpyArray Array)[] extra)
    {
        var system = EnergyFixtures.System("aldp");
        var frames = EnergyFixtures.Frames("aldp");
        var logQ = EnergyFixtures.ReadReducedColumn(EnergyFixtures.File("aldp", "energies.csv")).Select(u => -u + 17.0).ToArray();
        string path = dir.File("samples.npz");
        Npz.Write(path, [(SampleFile.Positions, new NpyArray(Array.ConvertAll(frames.Positions, v => (float)v), frames.Count, system.AtomCount, 3)),
                         (SampleFile.LogQ, new NpyArray(logQ, frames.Count)), .. extra]);
        return path;
    }

    [Fact]
    public void Weights_clipped_weights_and_resampled_indices_are_written_into_the_file()
    {
        using var dir = new TempDir();
        string path = WriteSamples(dir);
        var system = EnergyFixtures.System("aldp");
        var shown = new List<(string Title, double Total)>();
        var reported = new List<int>();
        var result = SampleReweighting.Run(new SampleReweightRequest(system, path, TwoThreads, "test", ClipTop: 0.1, Resample: 7, Seed: 3),
            (title, total, work) =>
            {
                shown.Add((title, total));
                work(new Progress(reported));
            });

        var file = SampleFile.Read(path, system.AtomCount);
        Assert.Equal([("aldp energies", (double)file.Count)], shown);
        Assert.Equal(file.Count, reported[^1]);
        Assert.Equal(file.Count, result.Count);
        Assert.True(file.IsReweighted);
        Assert.Equal(1.0, result.Reweight.Weights.EffectiveSampleFraction, 6);
        Assert.Equal(result.Clipped!.LogWeights, file.Optional(SampleFile.LogWClipped)!);
        Assert.Equal(7, file.Arrays[SampleFile.Resampled].Shape[0]);
        Assert.Equal([result.Seconds], file.Optional(SampleFile.ReweightSeconds)!);
    }

    [Fact]
    public void Smc_particles_are_refused_and_the_file_is_left_as_it_was()
    {
        using var dir = new TempDir();
        string path = WriteSamples(dir, (SampleFile.Estimator, new NpyArray([SampleFile.EstimatorSmc], 1)));
        byte[] before = File.ReadAllBytes(path);
        var e = Assert.Throws<InputException>(() => SampleReweighting.Run(
            new SampleReweightRequest(EnergyFixtures.System("aldp"), path, TwoThreads, "test"), ProgressDisplays.None));
        Assert.Contains("`bgen smc` particles", e.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    private sealed class Progress(List<int> reported) : IProgress<int>
    {
        public void Report(int value) => reported.Add(value);
    }
}
