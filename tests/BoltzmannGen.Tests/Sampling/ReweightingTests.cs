using BoltzmannGen.Data;
using BoltzmannGen.Sampling;
using BoltzmannGen.Tests.Support;

namespace BoltzmannGen.Tests.Sampling;

public class ReweightingTests
{
    private static readonly BoltzmannGen.Energy.EnergyOptions TwoThreads = new() { Threads = 2 };

    [Theory]
    [InlineData("aldp")]
    [InlineData("al4")]
    public void Md_frames_with_their_own_boltzmann_density_as_proposal_have_ess_fraction_one(string name)
    {
        // log q := −u_ref + c with u_ref from OpenMM's Python layer: log w = −u + u_ref − c is the same for every frame.
        var system = EnergyFixtures.System(name);
        var frames = EnergyFixtures.Frames(name);
        var uRef = EnergyFixtures.ReadReducedColumn(EnergyFixtures.File(name, "energies.csv"));
        var logQ = uRef.Select(u => -u + 17.0).ToArray();

        var result = new Reweighting(system, TwoThreads).Run(frames.Positions, logQ);

        Assert.All(result.Valid, Assert.True);
        Assert.Equal(0, result.ReflectedCount);
        Assert.Equal(1.0, result.Weights.EffectiveSampleFraction, 6);
        for (int i = 0; i < uRef.Length; i++) Assert.Equal(uRef[i], result.ReducedEnergies[i], 3);
    }

    [Fact]
    public void Mirror_images_are_reflected_back_and_scored_like_the_originals()
    {
        var system = EnergyFixtures.System("al4");
        var frames = EnergyFixtures.Frames("al4");
        var mirrored = frames.Positions.Select(v => -v).ToArray();
        var uRef = EnergyFixtures.ReadReducedColumn(EnergyFixtures.File("al4", "energies.csv"));
        var logQ = new double[frames.Count];

        var result = new Reweighting(system, TwoThreads).Run(mirrored, logQ);

        Assert.Equal(frames.Count, result.ReflectedCount);
        Assert.All(result.Valid, Assert.True);
        for (int i = 0; i < uRef.Length; i++) Assert.Equal(uRef[i], result.ReducedEnergies[i], 3);
        Assert.Equal(frames.Positions, result.Positions); // −(−x) is exactly x
    }

    [Fact]
    public void A_sample_with_a_nan_or_infinite_log_q_is_invalid_with_zero_weight_and_counted()
    {
        var system = EnergyFixtures.System("aldp");
        var frames = EnergyFixtures.Frames("aldp");
        var logQ = new double[frames.Count];
        logQ[0] = double.NaN;
        logQ[1] = double.PositiveInfinity;

        var result = new Reweighting(system, TwoThreads).Run(frames.Positions, logQ);

        Assert.False(result.Valid[0]);
        Assert.False(result.Valid[1]);
        Assert.True(result.Valid.Skip(2).All(v => v));
        Assert.Equal(2, result.NonFiniteLogQCount);
        Assert.Equal(2, result.InvalidCount);
        Assert.True(double.IsNegativeInfinity(result.Weights.LogWeights[0]));
        Assert.True(double.IsNegativeInfinity(result.Weights.LogWeights[1]));
    }

    [Fact]
    public void A_broken_frame_gets_zero_weight_and_still_counts()
    {
        var system = EnergyFixtures.System("aldp");
        var frames = EnergyFixtures.Frames("aldp");
        var x = frames.Positions.ToArray();
        x[3 * 5] += 0.3; // move atom 5 of frame 0 by 0.3 nm: its bonds are far outside the tolerance
        var logQ = new double[frames.Count];

        var result = new Reweighting(system, TwoThreads).Run(x, logQ);

        Assert.False(result.Valid[0]);
        Assert.Equal(1, result.InvalidCount);
        Assert.True(double.IsNegativeInfinity(result.Weights.LogWeights[0]));
        Assert.Equal(frames.Count, result.Count);
    }

    [Fact]
    public void Sample_file_rejects_missing_log_q_other_systems_and_nan()
    {
        using var dir = new TempDir();
        var frames = EnergyFixtures.Frames("aldp");
        var positions = frames.Positions.Select(v => (float)v).ToArray();
        string noLogQ = dir.File("a.npz");
        Npz.Write(noLogQ, ("positions", new NpyArray(positions, frames.Count, 22, 3)));
        Assert.Contains("log_q", Assert.Throws<InputException>(() => SampleFile.Read(noLogQ, 22)).Message);

        string ok = dir.File("b.npz");
        Npz.Write(ok, ("positions", new NpyArray(positions, frames.Count, 22, 3)), ("log_q", new NpyArray(new double[frames.Count], frames.Count)));
        Assert.Contains("another system", Assert.Throws<InputException>(() => SampleFile.Read(ok, 42)).Message);

        positions[3 * 22 * 4 + 7] = float.NaN;
        string nan = dir.File("c.npz");
        Npz.Write(nan, ("positions", new NpyArray(positions, frames.Count, 22, 3)), ("log_q", new NpyArray(new double[frames.Count], frames.Count)));
        var message = Assert.Throws<InputException>(() => SampleFile.Read(nan, 22)).Message;
        Assert.Contains("frame 4", message);
        Assert.Contains("c.npz", message);
    }

    [Fact]
    public void Writing_keeps_arrays_that_were_there()
    {
        using var dir = new TempDir();
        string path = dir.File("s.npz");
        Npz.Write(path, ("positions", new NpyArray(new float[2 * 2 * 3], 2, 2, 3)), ("log_q", new NpyArray(new double[] { 1, 2 }, 2)),
                  ("mine", new NpyArray(new[] { 7, 8 }, 2)));
        SampleFile.Read(path).Write([(SampleFile.LogQ, new NpyArray(new double[] { 3, 4 }, 2)), (SampleFile.LogW, new NpyArray(new double[] { 5, 6 }, 2))]);
        var all = Npz.ReadAll(path);
        Assert.Equal(new[] { "positions", "log_q", "mine", "log_w" }, all.Keys.ToArray());
        Assert.Equal(new double[] { 3, 4 }, all["log_q"].AsFloat64());
        Assert.Equal(new[] { 7, 8 }, all["mine"].AsInt32());
        Assert.Equal(new[] { "s.npz" }, dir.Files());
    }
}
