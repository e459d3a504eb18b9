using BoltzmannGen.Targets;
using BoltzmannGen.Tests.Numerics.Assignment;
using static BoltzmannGen.Tests.Numerics.Assignment.AssignmentTestData;

namespace BoltzmannGen.Tests.Targets;

public class OptimalTransportPairingTests
{
    private const int Atoms = 22, D = 3 * Atoms;

    [Fact]
    public void Euclidean_pairing_returns_the_paired_frames_and_the_distances_before_and_after()
    {
        const int n = 120;
        var draws = Floats(Gaussian(1, n, D));
        var frames = Floats(Gaussian(2, n, D, shift: 0.2, scale: 0.4));
        var pairing = OptimalTransportPairing.Pair(draws, frames, n, D, threads: 2);

        AssertPermutation(pairing.DataIndexOfDraw, n);
        double before = 0, after = 0;
        for (int i = 0; i < n; i++)
        {
            int j = pairing.DataIndexOfDraw[i];
            Assert.Equal(frames.AsSpan(j * D, D).ToArray(), pairing.Targets.AsSpan(i * D, D).ToArray());
            before += SquaredDistance(draws, i, frames, i);
            after += SquaredDistance(draws, i, pairing.Targets, i);
        }
        Assert.Equal(before / n, pairing.MeanSquaredDistanceBefore, 1e-9 * before / n);
        Assert.Equal(after / n, pairing.MeanSquaredDistanceAfter, 1e-9 * after / n);
        Assert.True(pairing.MeanSquaredDistanceAfter < pairing.MeanSquaredDistanceBefore);
    }

    [Fact]
    public void Aligned_pairing_is_optimal_over_all_permutations_under_the_aligned_cost()
    {
        // Independent reference: every aligned cost from a brute-force search over rotations (no SVD, no quaternion
        // eigenproblem: BruteForceRotation), then brute force over 7! pairings.
        const int n = 7;
        var draws = Floats(CentredFrames(3, n, 0.3));
        var frames = Floats(CentredFrames(4, n, 0.3));
        var cost = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                cost[i, j] = BruteForceRotation.MinimumSquaredDistance(Frame(frames, j), Frame(draws, i));
        var pairing = OptimalTransportPairing.Pair(draws, frames, n, D, alignKabsch: true, threads: 1);
        double expected = BruteForceMinimum(cost), found = pairing.MeanSquaredDistanceAfter * n;
        // The search only overestimates each cost: the pairing is never worse (beyond rounding) and never below what
        // the search reached by more than its precision (measured: they agree to 5e-15 relative).
        Assert.True(found <= expected * (1 + 1e-12), $"pairing cost {found} exceeds the brute-force optimum {expected}");
        Assert.True(expected - found <= 1e-11 * expected, $"pairing cost {found} is below every rotation the search reached ({expected})");
        Assert.Equal(expected, Sum(cost, pairing.DataIndexOfDraw), 1e-12 * expected);
    }

    [Fact]
    public void Aligned_targets_are_rotated_frames_closer_to_their_draws()
    {
        const int n = 40;
        var draws = Floats(CentredFrames(5, n, 0.3));
        var frames = Floats(CentredFrames(6, n, 0.3));
        var plain = OptimalTransportPairing.Pair(draws, frames, n, D, threads: 1);
        var aligned = OptimalTransportPairing.Pair(draws, frames, n, D, alignKabsch: true, threads: 1);

        Assert.True(aligned.MeanSquaredDistanceAfter < plain.MeanSquaredDistanceAfter);
        Assert.True(aligned.MeanSquaredDistanceBefore < plain.MeanSquaredDistanceBefore);
        double after = 0;
        for (int i = 0; i < n; i++)
        {
            var target = Frame(aligned.Targets, i);
            var source = Frame(frames, aligned.DataIndexOfDraw[i]);
            // A rotation about the origin keeps every atom's distance from the origin and every interatomic distance.
            for (int k = 0; k < Atoms; k++)
            {
                Assert.Equal(Norm(source, k, null, 0), Norm(target, k, null, 0), 1e-5);
                Assert.Equal(Norm(source, k, source, (k + 1) % Atoms), Norm(target, k, target, (k + 1) % Atoms), 1e-5);
            }
            after += SquaredDistance(draws, i, aligned.Targets, i);
        }
        Assert.Equal(aligned.MeanSquaredDistanceAfter, after / n, 1e-5 * after / n); // float32 targets
    }

    [Fact]
    public void Kabsch_needs_atom_triples_and_inputs_are_validated()
    {
        Assert.Throws<ArgumentException>(() => OptimalTransportPairing.Pair(new float[8], new float[8], 2, 4, alignKabsch: true));
        var draws = new float[2 * D];
        draws[D + 5] = float.NaN;
        var e = Assert.Throws<ArgumentException>(() => OptimalTransportPairing.Pair(draws, new float[2 * D], 2, D, alignKabsch: true));
        Assert.Contains("Row 1 of priorDraws", e.Message);
    }

    private static double[] CentredFrames(int seed, int n, double scale)
    {
        var x = Gaussian(seed, n, D, scale: scale);
        for (int i = 0; i < n; i++)
        {
            var frame = KabschTests.Centred(x.AsSpan(i * D, D).ToArray());
            frame.CopyTo(x, i * D);
        }
        return x;
    }

    private static float[] Floats(double[] x) => x.Select(v => (float)v).ToArray();

    private static double[] Frame(float[] x, int i) => x.AsSpan(i * D, D).ToArray().Select(v => (double)v).ToArray();

    private static double SquaredDistance(float[] x, int i, float[] y, int j)
    {
        double s = 0;
        for (int k = 0; k < D; k++) s += ((double)x[i * D + k] - y[j * D + k]) * ((double)x[i * D + k] - y[j * D + k]);
        return s;
    }

    private static double Norm(double[] x, int k, double[]? y, int l)
    {
        double s = 0;
        for (int a = 0; a < 3; a++)
        {
            double v = x[3 * k + a] - (y == null ? 0 : y[3 * l + a]);
            s += v * v;
        }
        return Math.Sqrt(s);
    }
}
