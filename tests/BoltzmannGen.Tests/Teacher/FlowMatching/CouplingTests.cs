using BoltzmannGen.Teacher.FlowMatching;
using BoltzmannGen.Tests.Numerics.Assignment;
using static TorchSharp.torch;

namespace BoltzmannGen.Tests.Teacher.FlowMatching;

/// <summary>
/// The batch couplings against brute force over all 720 pairings of 6 draws with 6 frames, and against
/// geometric invariants (norms and inter-atom distances survive a rotation).
/// </summary>
public class CouplingTests
{
    private const int Batch = 6;

    /// <summary>Centred random frames, batch × 3·atoms, float32 (values exactly representable after centring is irrelevant: the test centres in double then rounds).</summary>
    internal static float[] CentredFrames(int seed, int batch, int atoms, double scale = 1.0, double shift = 0.0)
    {
        var rng = new Random(seed);
        var x = new float[batch * 3 * atoms];
        for (int b = 0; b < batch; b++)
        {
            var row = new double[3 * atoms];
            for (int k = 0; k < row.Length; k++)
            {
                double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble();
                row[k] = shift * (k % 3 + 1) * (k / 3 % 2 == 0 ? 1 : -1) + scale * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
            }
            for (int a = 0; a < 3; a++)
            {
                double mean = 0;
                for (int i = 0; i < atoms; i++) mean += row[3 * i + a] / atoms;
                for (int i = 0; i < atoms; i++) row[3 * i + a] -= mean;
            }
            for (int k = 0; k < row.Length; k++) x[b * row.Length + k] = (float)row[k];
        }
        return x;
    }

    private static double SquaredDistance(float[] a, int i, float[] b, int j, int d)
    {
        double s = 0;
        for (int k = 0; k < d; k++) { double e = (double)a[i * d + k] - b[j * d + k]; s += e * e; }
        return s;
    }

    private static IEnumerable<int[]> Permutations(int n)
    {
        var p = Enumerable.Range(0, n).ToArray();
        // Heap's algorithm
        var c = new int[n];
        yield return (int[])p.Clone();
        int i = 0;
        while (i < n)
        {
            if (c[i] < i)
            {
                if (i % 2 == 0) (p[0], p[i]) = (p[i], p[0]); else (p[c[i]], p[i]) = (p[i], p[c[i]]);
                yield return (int[])p.Clone();
                c[i]++;
                i = 0;
            }
            else { c[i] = 0; i++; }
        }
    }

    private static void AssertPermutation(int[] p, int n)
    {
        Assert.Equal(n, p.Length);
        Assert.Equal(Enumerable.Range(0, n), p.Order());
    }

    private static void AssertMeanFree(float[] x, int batch, int atoms)
    {
        for (int b = 0; b < batch; b++)
            for (int a = 0; a < 3; a++)
            {
                double mean = 0;
                for (int i = 0; i < atoms; i++) mean += x[b * 3 * atoms + 3 * i + a] / atoms;
                Assert.True(Math.Abs(mean) < 1e-5, $"row {b} axis {a} mean {mean:G3}");
            }
    }

    [Fact]
    public void Ot_finds_the_brute_force_minimum_over_all_720_pairings_and_keeps_the_draws()
    {
        const int atoms = 3, d = 9;
        var x0 = CentredFrames(1, Batch, atoms);
        var x1 = CentredFrames(2, Batch, atoms, scale: 0.5, shift: 0.8);
        Assert.Equal(720, Permutations(Batch).Count());
        double best = Permutations(Batch).Min(p => Enumerable.Range(0, Batch).Sum(j => SquaredDistance(x0, p[j], x1, j, d)));
        double independent = Enumerable.Range(0, Batch).Sum(j => SquaredDistance(x0, j, x1, j, d));

        var result = Couplings.Apply(CouplingKind.Ot, x0, x1, Batch, d);
        AssertPermutation(result.Source, Batch);
        Assert.Null(result.Rotations);
        for (int j = 0; j < Batch; j++)
            Assert.Equal(x0.AsSpan(result.Source[j] * d, d).ToArray(), result.X0.AsSpan(j * d, d).ToArray());
        double cost = Enumerable.Range(0, Batch).Sum(j => SquaredDistance(result.X0, j, x1, j, d));
        Assert.Equal(best, cost, 1e-9 * best);
        Assert.True(cost <= independent + 1e-12);
        Assert.True(best < independent, "the test data should make OT differ from the identity pairing");
        AssertMeanFree(result.X0, Batch, atoms);
    }

    [Fact]
    public void Independent_coupling_keeps_the_draws_as_drawn()
    {
        var x0 = CentredFrames(3, Batch, 2);
        var x1 = CentredFrames(4, Batch, 2);
        var result = Couplings.Apply(CouplingKind.Independent, x0, x1, Batch, 6);
        Assert.Equal(x0, result.X0);
        Assert.Equal(Enumerable.Range(0, Batch), result.Source);
    }

    [Fact]
    public void Equivariant_ot_rotates_each_draw_onto_its_partner_and_is_optimal_under_the_aligned_cost()
    {
        const int atoms = 4, d = 12;
        var x0 = CentredFrames(5, Batch, atoms);
        var x1 = CentredFrames(6, Batch, atoms, scale: 0.6, shift: 0.7);
        // Reference aligned costs from a brute-force search over rotations (BruteForceRotation: no SVD, no eigenproblem).
        var aligned = new double[Batch, Batch];
        for (int i = 0; i < Batch; i++)
            for (int j = 0; j < Batch; j++)
                aligned[i, j] = BruteForceRotation.MinimumSquaredDistance(Row(x0, i, d), Row(x1, j, d));
        double best = Permutations(Batch).Min(p => Enumerable.Range(0, Batch).Sum(j => aligned[p[j], j]));

        var result = Couplings.Apply(CouplingKind.EquivariantOt, x0, x1, Batch, d);
        AssertPermutation(result.Source, Batch);
        AssertMeanFree(result.X0, Batch, atoms);
        double cost = 0;
        for (int j = 0; j < Batch; j++)
        {
            int i = result.Source[j];
            double after = SquaredDistance(result.X0, j, x1, j, d);
            double before = SquaredDistance(x0, i, x1, j, d);
            Assert.True(after <= before + 1e-6, $"pair {j}: aligned {after} > unaligned {before}");
            cost += after;
            // The returned draw is a proper rotation of the original one: same Gram matrix (all inner products between atoms).
            for (int a = 0; a < atoms; a++)
                for (int b = 0; b < atoms; b++)
                {
                    double g0 = 0, g1 = 0;
                    for (int c = 0; c < 3; c++)
                    {
                        g0 += (double)x0[i * d + 3 * a + c] * x0[i * d + 3 * b + c];
                        g1 += (double)result.X0[j * d + 3 * a + c] * result.X0[j * d + 3 * b + c];
                    }
                    Assert.True(Math.Abs(g0 - g1) < 1e-5, $"pair {j}: Gram entry ({a},{b}) {g0} vs {g1}");
                }
            var r = result.Rotations![j];
            double det = r[0] * (r[4] * r[8] - r[5] * r[7]) - r[1] * (r[3] * r[8] - r[5] * r[6]) + r[2] * (r[3] * r[7] - r[4] * r[6]);
            Assert.Equal(1.0, det, 1e-9);
            for (int a = 0; a < atoms; a++)
                for (int c = 0; c < 3; c++)
                {
                    double y = r[3 * c] * x0[i * d + 3 * a] + r[3 * c + 1] * x0[i * d + 3 * a + 1] + r[3 * c + 2] * x0[i * d + 3 * a + 2];
                    Assert.True(Math.Abs(y - result.X0[j * d + 3 * a + c]) < 1e-5, $"pair {j}: R·x0 differs at atom {a} axis {c}");
                }
        }
        Assert.Equal(best, cost, 1e-5 * best);
        var ot = Couplings.Apply(CouplingKind.Ot, x0, x1, Batch, d);
        double otCost = Enumerable.Range(0, Batch).Sum(j => SquaredDistance(ot.X0, j, x1, j, d));
        Assert.True(cost <= otCost + 1e-6, $"aligned OT cost {cost} above plain OT cost {otCost}");
    }

    private static double[] Row(float[] x, int i, int d) => x.AsSpan(i * d, d).ToArray().Select(v => (double)v).ToArray();

    [Fact]
    public void Tensor_form_matches_the_array_form_and_keeps_dtype()
    {
        const int atoms = 3, d = 9;
        var x0 = CentredFrames(7, Batch, atoms);
        var x1 = CentredFrames(8, Batch, atoms, scale: 0.5, shift: 0.8);
        using var scope = NewDisposeScope();
        var t0 = tensor(x0, [Batch, d]).to(float64);
        var t1 = tensor(x1, [Batch, d]).to(float64);
        foreach (var kind in new[] { CouplingKind.Independent, CouplingKind.Ot, CouplingKind.EquivariantOt })
        {
            var paired = Couplings.Apply(kind, t0, t1);
            Assert.Equal(ScalarType.Float64, paired.dtype);
            var expected = Couplings.Apply(kind, x0, x1, Batch, d).X0;
            var got = paired.to(float32).data<float>().ToArray();
            Assert.Equal(expected, got);
        }
    }

    [Fact]
    public void Names_parse_in_any_case_and_unknown_names_list_the_valid_ones()
    {
        Assert.Equal(CouplingKind.Independent, Couplings.Parse("independent"));
        Assert.Equal(CouplingKind.Ot, Couplings.Parse(" OT "));
        Assert.Equal(CouplingKind.EquivariantOt, Couplings.Parse("Equivariant-OT"));
        foreach (var name in Couplings.Names) Assert.Equal(name, Couplings.Name(Couplings.Parse(name)));
        var ex = Assert.Throws<ArgumentException>(() => Couplings.Parse("sinkhorn"));
        Assert.Contains("sinkhorn", ex.Message);
        Assert.Contains("equivariant-ot", ex.Message);
        Assert.Throws<ArgumentException>(() => Couplings.Apply(CouplingKind.Ot, new float[12], new float[9], 2, 6));
        Assert.Throws<ArgumentException>(() => Couplings.Apply(CouplingKind.EquivariantOt, new float[8], new float[8], 2, 4));
    }
}
