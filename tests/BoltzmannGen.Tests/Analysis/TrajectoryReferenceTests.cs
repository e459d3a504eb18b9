using System.Text.Json;
using BoltzmannGen.Analysis;
using BoltzmannGen.Tests.Support;

namespace BoltzmannGen.Tests.Analysis;

/// <summary>
/// TrajectoryStatistics (what `bgen simulate` stores in meta.json and `bgen autocorr` prints) and FreeEnergyDifference
/// (the ΔF of reports) on a fixed 400-frame aldp MD window, against the numpy reference of tools/dihedral_reference.py.
/// The window crosses φ = 0 about 70 times, so every observable and both basins are exercised.
/// </summary>
public class TrajectoryReferenceTests
{
    // Same definitions, different arithmetic (FFT vs direct sum, projection vs Blondel–Karplus angles): agreement to
    // rounding, ~1e-13 relative on τ; 1e-9 leaves room without letting any definitional difference (a lag, a window,
    // N vs N−t, ddof) through, each of which moves these numbers by more than 1e-3.
    private const double Relative = 1e-9;

    private static void Close(double expected, double actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= Relative * Math.Abs(expected), $"{what}: {actual} vs numpy {expected}");

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Trajectory_statistics_match_the_numpy_reference(int replicas)
    {
        var reference = DihedralReference.Statistics(replicas);
        var stats = TrajectoryStatistics.Compute(DihedralReference.Window(), EnergyFixtures.System("aldp").Topology, replicas);

        var tau = reference.GetProperty("autocorrelation_time_frames").EnumerateObject().ToList();
        Assert.Equal(tau.Select(p => p.Name).Order(), stats.AutocorrelationTimeFrames.Keys.Order());
        foreach (var p in tau) Close(p.Value.GetDouble(), stats.AutocorrelationTimeFrames[p.Name], $"tau {p.Name}");
        Close(reference.GetProperty("slowest_time_frames").GetDouble(), stats.SlowestTimeFrames, "slowest tau");
        Close(400 / reference.GetProperty("slowest_time_frames").GetDouble(), stats.EffectiveSamples(400), "effective samples");

        var populations = reference.GetProperty("phi_positive_population").EnumerateObject().ToList();
        Assert.Equal(populations.Select(p => p.Name), stats.PhiPositivePopulation.Keys);
        foreach (var p in populations)
        {
            var actual = stats.PhiPositivePopulation[p.Name];
            Close(p.Value.GetProperty("mean").GetDouble(), actual.Mean, $"{p.Name} mean");
            Close(p.Value.GetProperty("standard_error").GetDouble(), actual.StandardError, $"{p.Name} standard error");
            Close(p.Value.GetProperty("relative_error").GetDouble(), actual.RelativeError!.Value, $"{p.Name} relative error");
            Assert.Equal(p.Value.GetProperty("blocks").GetInt32(), actual.Blocks);
        }
    }

    [Fact]
    public void Delta_f_and_populations_match_the_numpy_reference_unweighted_and_weighted()
    {
        var frames = DihedralReference.Window();
        var topology = EnergyFixtures.System("aldp").Topology;
        var unweighted = FreeEnergyDifference.PerResidue(frames, topology, bootstrap: new BootstrapOptions(20, 0.95, 1));
        var weighted = FreeEnergyDifference.PerResidue(frames, topology, DihedralReference.Weights(frames.Count), new BootstrapOptions(20, 0.95, 1));

        var expected = DihedralReference.Json.GetProperty("delta_f").EnumerateObject().ToList();
        Assert.Equal(expected.Select(p => p.Name), unweighted.Select(f => f.Name));
        foreach (var p in expected)
        {
            var f = unweighted.Single(f => f.Name == p.Name);
            Assert.Equal(p.Value.GetProperty("positive_samples").GetInt32(), f.PositiveSamples);
            Close(p.Value.GetProperty("positive_fraction").GetDouble(), f.PositiveFraction, $"{p.Name} P(phi>0)");
            Close(p.Value.GetProperty("delta_f").GetDouble(), f.DeltaF, $"{p.Name} delta F");
            var w = DihedralReference.Json.GetProperty("weighted_delta_f").GetProperty(p.Name);
            var g = weighted.Single(f => f.Name == p.Name);
            Close(w.GetProperty("positive_fraction").GetDouble(), g.PositiveFraction, $"{p.Name} weighted P(phi>0)");
            Close(w.GetProperty("delta_f").GetDouble(), g.DeltaF, $"{p.Name} weighted delta F");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void The_tests_direct_statistics_match_the_numpy_reference(int replicas)
    {
        // The plain C# reference that the simulate tests compare meta.json against must itself agree with numpy.
        var reference = DihedralReference.Statistics(replicas);
        var observables = DirectTrajectoryStatistics.Observables(DihedralReference.Window(), DihedralReference.Dihedrals());
        var tau = DirectTrajectoryStatistics.Times(observables, replicas);
        foreach (var p in reference.GetProperty("autocorrelation_time_frames").EnumerateObject())
            Close(p.Value.GetDouble(), tau[p.Name], $"direct tau {p.Name}");
        foreach (var p in reference.GetProperty("phi_positive_population").EnumerateObject())
        {
            var (mean, se) = DirectTrajectoryStatistics.Population(observables[$"{p.Name}_positive"]);
            Close(p.Value.GetProperty("mean").GetDouble(), mean, $"direct {p.Name} mean");
            Close(p.Value.GetProperty("standard_error").GetDouble(), se, $"direct {p.Name} standard error");
        }
    }

    [Fact]
    public void The_fixture_window_is_the_one_the_reference_was_computed_from()
    {
        var trajectory = DihedralReference.Json.GetProperty("trajectory");
        string path = FixturePath.Get(Path.Combine("analysis", trajectory.GetProperty("file").GetString()!));
        Assert.Equal(trajectory.GetProperty("sha256").GetString(), Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path))));
        Assert.Equal(trajectory.GetProperty("frames").GetInt32(), DihedralReference.Window().Count);
    }
}
