using BoltzmannGen.Numerics.Assignment;

namespace BoltzmannGen.Tests.Numerics.Assignment;

public class KabschTests
{
    private const int Atoms = 22;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void A_rotated_copy_is_recovered_exactly_by_a_proper_rotation(int seed)
    {
        var reference = Centred(AssignmentTestData.Gaussian(seed, Atoms, 3, scale: 0.2));
        var q = RandomRotation(new Random(seed + 100));
        var mobile = Rotate(Transpose(q), reference); // mobile = Qᵀ r, so R = Q brings it back

        var result = Kabsch.Align(mobile, reference);
        Assert.True(result.Rmsd < 1e-12, $"RMSD {result.Rmsd}");
        Assert.Equal(1.0, Determinant(result.Rotation), 12);
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++)
                Assert.Equal(q[a, b], result.Rotation[a, b], 10);
        for (int k = 0; k < reference.Length; k++) Assert.Equal(reference[k], result.Aligned[k], 12);
        Assert.True(RotationalDistance.Squared(mobile, reference) < 1e-20);
    }

    [Fact]
    public void A_mirror_image_is_not_aligned_by_a_reflection()
    {
        var reference = Centred(AssignmentTestData.Gaussian(4, Atoms, 3, scale: 0.2));
        var mirrored = (double[])reference.Clone();
        for (int k = 0; k < Atoms; k++) mirrored[3 * k] = -mirrored[3 * k]; // x → −x, then a random rotation
        var mobile = Rotate(RandomRotation(new Random(5)), mirrored);

        var result = Kabsch.Align(mobile, reference);
        Assert.Equal(1.0, Determinant(result.Rotation), 12);
        // A reflection would reach 0; a proper rotation cannot for a chiral (generic 3-D) point set.
        Assert.True(result.Rmsd > 0.05, $"RMSD {result.Rmsd}");
        // Σ||Rm − r||² computed from the returned coordinates agrees with the reported RMSD.
        double sum = 0;
        for (int k = 0; k < reference.Length; k++) sum += (result.Aligned[k] - reference[k]) * (result.Aligned[k] - reference[k]);
        Assert.Equal(result.Rmsd, Math.Sqrt(sum / Atoms), 12);
    }

    [Theory]
    [InlineData(6)]
    [InlineData(7)]
    public void No_sampled_rotation_beats_the_Kabsch_rotation(int seed)
    {
        var reference = Centred(AssignmentTestData.Gaussian(seed, Atoms, 3, scale: 0.2));
        var mobile = Centred(AssignmentTestData.Gaussian(seed + 50, Atoms, 3, scale: 0.2));
        var best = Kabsch.Align(mobile, reference);
        double bestSquared = best.Rmsd * best.Rmsd * Atoms;
        var random = new Random(seed);
        for (int t = 0; t < 3000; t++)
        {
            var rotated = Rotate(RandomRotation(random), mobile);
            double s = 0;
            for (int k = 0; k < rotated.Length; k++) s += (rotated[k] - reference[k]) * (rotated[k] - reference[k]);
            Assert.True(s >= bestSquared - 1e-12, $"a random rotation reached {s} < {bestSquared}");
        }
    }

    [Theory]
    [InlineData(6, false)]
    [InlineData(7, false)]
    [InlineData(12, true)]
    [InlineData(13, true)]
    public void Kabsch_reaches_the_brute_force_minimum_and_never_exceeds_it(int seed, bool mirrored)
    {
        var reference = Centred(AssignmentTestData.Gaussian(seed, Atoms, 3, scale: 0.2));
        var mobile = Centred(AssignmentTestData.Gaussian(seed + 50, Atoms, 3, scale: mirrored ? 0.03 : 0.2));
        if (mirrored) // a mirror image plus noise: det H < 0, where the reflection correction decides the answer
            for (int k = 0; k < mobile.Length; k++) mobile[k] += k % 3 == 0 ? -reference[k] : reference[k];
        var kabsch = Kabsch.Align(mobile, reference);
        double found = kabsch.Rmsd * kabsch.Rmsd * Atoms;
        double search = BruteForceRotation.MinimumSquaredDistance(mobile, reference);
        // Never worse than the search (which can only overestimate) beyond rounding, and no lower than the search's
        // precision allows (measured: the two agree to < 1e-15 relative).
        Assert.True(found <= search * (1 + 1e-12), $"Kabsch {found} is worse than the brute-force search {search}");
        Assert.True(search - found <= 1e-11 * search, $"Kabsch {found} is below every rotation the search reached ({search})");
    }

    [Theory]
    [InlineData(8, false)]
    [InlineData(9, false)]
    [InlineData(10, true)]
    [InlineData(11, true)]
    public void Fast_rotational_distance_equals_the_SVD_alignment(int seed, bool mirrored)
    {
        // Mirrored pairs make det H < 0, the case where the reflection correction matters.
        var reference = Centred(AssignmentTestData.Gaussian(seed, Atoms, 3, scale: 0.2));
        var mobile = Centred(AssignmentTestData.Gaussian(seed + 50, Atoms, 3, scale: 0.03));
        for (int k = 0; k < mobile.Length; k++) mobile[k] += mirrored ? (k % 3 == 0 ? -reference[k] : reference[k]) : reference[k];
        var svd = Kabsch.Align(mobile, reference);
        double expected = svd.Rmsd * svd.Rmsd * Atoms;
        Assert.Equal(expected, RotationalDistance.Squared(mobile, reference), 1e-10 * Math.Max(expected, 1e-3));
    }

    [Fact]
    public void Shapes_are_checked()
    {
        Assert.Throws<ArgumentException>(() => Kabsch.Align(new double[9], new double[6]));
        Assert.Throws<ArgumentException>(() => Kabsch.Align(new double[8], new double[8]));
    }

    internal static double[] Centred(double[] x)
    {
        int atoms = x.Length / 3;
        for (int a = 0; a < 3; a++)
        {
            double mean = 0;
            for (int k = 0; k < atoms; k++) mean += x[3 * k + a];
            mean /= atoms;
            for (int k = 0; k < atoms; k++) x[3 * k + a] -= mean;
        }
        return x;
    }

    /// <summary>A uniformly random rotation from a normalised Gaussian quaternion.</summary>
    internal static double[,] RandomRotation(Random random)
    {
        var g = AssignmentTestData.Gaussian(random.Next(), 1, 4);
        double norm = Math.Sqrt(g.Sum(x => x * x));
        double w = g[0] / norm, x = g[1] / norm, y = g[2] / norm, z = g[3] / norm;
        return new[,]
        {
            { 1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w) },
            { 2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w) },
            { 2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y) },
        };
    }

    internal static double[] Rotate(double[,] r, double[] points)
    {
        var result = new double[points.Length];
        for (int k = 0; k < points.Length; k += 3)
            for (int a = 0; a < 3; a++)
                result[k + a] = r[a, 0] * points[k] + r[a, 1] * points[k + 1] + r[a, 2] * points[k + 2];
        return result;
    }

    private static double[,] Transpose(double[,] r)
    {
        var t = new double[3, 3];
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++)
                t[a, b] = r[b, a];
        return t;
    }

    private static double Determinant(double[,] r) =>
        r[0, 0] * (r[1, 1] * r[2, 2] - r[1, 2] * r[2, 1])
        - r[0, 1] * (r[1, 0] * r[2, 2] - r[1, 2] * r[2, 0])
        + r[0, 2] * (r[1, 0] * r[2, 1] - r[1, 1] * r[2, 0]);
}
