using BoltzmannGen.Data;
using BoltzmannGen.Tests.Support;

namespace BoltzmannGen.Tests.Numerics.Assignment;

/// <summary>Random problems, a brute-force reference and the Python fixture for the assignment tests.</summary>
internal static class AssignmentTestData
{
    public static double[,] UniformCost(int seed, int n)
    {
        var random = new Random(seed);
        var cost = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                cost[i, j] = random.NextDouble();
        return cost;
    }

    /// <summary>n × d standard normal values (Box–Muller), shifted by <paramref name="shift"/>.</summary>
    public static double[] Gaussian(int seed, int n, int d, double shift = 0, double scale = 1)
    {
        var random = new Random(seed);
        var x = new double[n * d];
        for (int k = 0; k < x.Length; k++)
        {
            double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
            x[k] = shift + scale * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        }
        return x;
    }

    /// <summary>The straightforward n × n matrix of Σ_k (a_ik − b_jk)², summed in plain order.</summary>
    public static double[,] SquaredDistances(double[] a, double[] b, int n, int d)
    {
        var cost = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int k = 0; k < d; k++) s += (a[i * d + k] - b[j * d + k]) * (a[i * d + k] - b[j * d + k]);
                cost[i, j] = s;
            }
        return cost;
    }

    /// <summary>The minimum of Σ_i cost[i, p(i)] over all n! permutations p (Heap's algorithm).</summary>
    public static double BruteForceMinimum(double[,] cost)
    {
        int n = cost.GetLength(0);
        var p = Enumerable.Range(0, n).ToArray();
        var c = new int[n];
        double best = Sum(cost, p);
        for (int i = 1; i < n;)
        {
            if (c[i] < i)
            {
                int k = i % 2 == 0 ? 0 : c[i];
                (p[k], p[i]) = (p[i], p[k]);
                best = Math.Min(best, Sum(cost, p));
                c[i]++;
                i = 1;
            }
            else c[i++] = 0;
        }
        return best;
    }

    public static double Sum(double[,] cost, int[] columnOfRow)
    {
        double s = 0;
        for (int i = 0; i < columnOfRow.Length; i++) s += cost[i, columnOfRow[i]];
        return s;
    }

    public static void AssertPermutation(int[] columnOfRow, int n)
    {
        Assert.Equal(n, columnOfRow.Length);
        Assert.Equal(Enumerable.Range(0, n), columnOfRow.Order());
    }

    /// <summary>c − u − v ≥ −tol everywhere and ≈ 0 on the assignment: the result proves its own optimality.</summary>
    public static void AssertDualCertificate(double[,] cost, BoltzmannGen.Numerics.Assignment.AssignmentResult result, double tol)
    {
        int n = cost.GetLength(0);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                Assert.True(cost[i, j] - result.RowPotentials[i] - result.ColumnPotentials[j] >= -tol, $"dual infeasible at ({i}, {j})");
        for (int i = 0; i < n; i++)
            Assert.True(Math.Abs(cost[i, result.ColumnOfRow[i]] - result.RowPotentials[i] - result.ColumnPotentials[result.ColumnOfRow[i]]) <= tol,
                $"assigned pair of row {i} is not tight");
    }

    public static string FixtureFile => FixturePath.Get(Path.Combine("assignment", "assignment_200.npz"));

    public static NpyArray Fixture(string name) => Npz.Read(FixtureFile, name);

    public static double[,] ToMatrix(double[] flat, int n)
    {
        var m = new double[n, n];
        Buffer.BlockCopy(flat, 0, m, 0, flat.Length * sizeof(double));
        return m;
    }
}
