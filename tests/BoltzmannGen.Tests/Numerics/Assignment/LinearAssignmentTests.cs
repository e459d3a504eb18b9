using BoltzmannGen.Numerics.Assignment;
using static BoltzmannGen.Tests.Numerics.Assignment.AssignmentTestData;

namespace BoltzmannGen.Tests.Numerics.Assignment;

public class LinearAssignmentTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Optimal_cost_equals_brute_force_minimum(int seed)
    {
        for (int n = 1; n <= 8; n++)
        {
            var cost = UniformCost(100 * seed + n, n);
            var result = LinearAssignment.Solve(cost);
            AssertPermutation(result.ColumnOfRow, n);
            Assert.Equal(BruteForceMinimum(cost), result.Cost, 12);
            Assert.Equal(Sum(cost, result.ColumnOfRow), result.Cost, 12);
        }
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    public void Integer_costs_with_many_ties_reach_the_brute_force_minimum(int seed)
    {
        // Ties exercise the row-reduction branch where a row takes its second-best column.
        var random = new Random(seed);
        for (int n = 2; n <= 8; n++)
        {
            var cost = new double[n, n];
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                    cost[i, j] = random.Next(3);
            Assert.Equal(BruteForceMinimum(cost), LinearAssignment.Solve(cost).Cost);
        }
    }

    [Fact]
    public void Points_on_a_line_are_matched_in_sorted_order()
    {
        // In 1-D the squared cost is submodular, so the monotone (sorted-to-sorted) matching is optimal.
        const int n = 60;
        var random = new Random(7);
        var a = Enumerable.Range(0, n).Select(_ => random.NextDouble() * 10).ToArray();
        var b = Enumerable.Range(0, n).Select(_ => random.NextDouble() * 10 + 3).ToArray();
        var result = LinearAssignment.SolveSquaredEuclidean(a, b, n, 1, threads: 1);

        var aOrder = Enumerable.Range(0, n).OrderBy(i => a[i]).ToArray();
        var bOrder = Enumerable.Range(0, n).OrderBy(j => b[j]).ToArray();
        double sorted = 0;
        for (int k = 0; k < n; k++)
        {
            Assert.Equal(bOrder[k], result.ColumnOfRow[aOrder[k]]);
            sorted += (a[aOrder[k]] - b[bOrder[k]]) * (a[aOrder[k]] - b[bOrder[k]]);
        }
        Assert.Equal(sorted, result.Cost, 1e-9 * sorted);
    }

    [Fact]
    public void Random_200_by_200_matches_the_independent_Munkres_optimum()
    {
        var cost = ToMatrix(Fixture("cost").AsFloat64(), 200);
        double expected = Fixture("cost_optimum").AsFloat64()[0];
        var result = LinearAssignment.Solve(cost);
        AssertPermutation(result.ColumnOfRow, 200);
        Assert.True(Math.Abs(result.Cost - expected) <= 1e-9 * expected, $"cost {result.Cost:R}, Munkres {expected:R}");
        Assert.Equal(Fixture("cost_assignment").AsInt64().Select(j => (int)j), result.ColumnOfRow);
        AssertDualCertificate(cost, result, 1e-12);
    }

    [Fact]
    public void Matrix_free_points_match_the_independent_Munkres_optimum()
    {
        double[] a = Fixture("a").AsFloat64(), b = Fixture("b").AsFloat64();
        double expected = Fixture("points_optimum").AsFloat64()[0];
        var result = LinearAssignment.SolveSquaredEuclidean(a, b, 200, 66, threads: 2);
        Assert.True(Math.Abs(result.Cost - expected) <= 1e-9 * expected, $"cost {result.Cost:R}, Munkres {expected:R}");
        Assert.Equal(Fixture("points_assignment").AsInt64().Select(j => (int)j), result.ColumnOfRow);
    }

    [Fact]
    public void Matrix_free_squared_euclidean_equals_the_dense_solve()
    {
        const int n = 300, d = 66;
        var a = Gaussian(1, n, d);
        var b = Gaussian(2, n, d, shift: 0.3, scale: 0.6);
        var dense = SquaredDistances(a, b, n, d);
        var expected = LinearAssignment.Solve(dense);
        var result = LinearAssignment.SolveSquaredEuclidean(a, b, n, d, threads: 2);

        AssertPermutation(result.ColumnOfRow, n);
        Assert.True(Math.Abs(result.Cost - expected.Cost) <= 1e-10 * expected.Cost, $"{result.Cost:R} vs {expected.Cost:R}");
        Assert.Equal(expected.ColumnOfRow, result.ColumnOfRow);
        AssertDualCertificate(dense, result, 1e-9);
        // And it must be a real improvement over the identity pairing on this data.
        Assert.True(result.Cost < 0.9 * Sum(dense, Enumerable.Range(0, n).ToArray()));
    }

    [Fact]
    public void Float_input_equals_the_same_values_given_as_double()
    {
        const int n = 150, d = 63;
        var a = Gaussian(3, n, d).Select(x => (float)x).ToArray();
        var b = Gaussian(4, n, d, scale: 0.5).Select(x => (float)x).ToArray();
        var fromFloat = LinearAssignment.SolveSquaredEuclidean(a, b, n, d, threads: 1);
        var fromDouble = LinearAssignment.SolveSquaredEuclidean(a.Select(x => (double)x).ToArray(), b.Select(x => (double)x).ToArray(), n, d, threads: 1);
        Assert.Equal(fromDouble.ColumnOfRow, fromFloat.ColumnOfRow);
        Assert.Equal(fromDouble.Cost, fromFloat.Cost);
    }

    [Fact]
    public void Result_does_not_depend_on_the_thread_count_and_carries_a_dual_certificate()
    {
        // Over 4,096 columns, so with two threads the shortest-path row scans are split into column chunks too
        // (bids and reductions always split by rows); small integer costs make ties everywhere, which is where a
        // chunked scan could pick a different column than a single one.
        var cost = new HashedIntegerCost(4200, levels: 7);
        var one = LinearAssignment.Solve(cost, threads: 1);
        var two = LinearAssignment.Solve(cost, threads: 2);
        Assert.Equal(one.ColumnOfRow, two.ColumnOfRow);
        Assert.Equal(one.Cost, two.Cost);
        AssertPermutation(two.ColumnOfRow, cost.Size);

        // Optimality proof independent of the solver's path: c − u − v ≥ 0 everywhere, = 0 on the assignment.
        var all = Enumerable.Range(0, cost.Size).ToArray();
        var row = new double[cost.Size];
        double gap = 0, worst = 0;
        for (int i = 0; i < cost.Size; i++)
        {
            cost.FillRow(i, all, row);
            double u = two.RowPotentials[i];
            for (int j = 0; j < cost.Size; j++) worst = Math.Min(worst, row[j] - u - two.ColumnPotentials[j]);
            gap += row[two.ColumnOfRow[i]] - u - two.ColumnPotentials[two.ColumnOfRow[i]];
        }
        Assert.True(worst >= -1e-9, $"dual infeasible by {worst}");
        Assert.True(Math.Abs(gap) < 1e-6, $"primal − dual = {gap}");
    }

    [Fact]
    public void Progress_reaches_done_with_every_row_assigned()
    {
        var reports = new List<AssignmentProgress>();
        var progress = new SynchronousProgress(reports.Add);
        LinearAssignment.SolveSquaredEuclidean(Gaussian(7, 100, 4), Gaussian(8, 100, 4), 100, 4, threads: 1, progress);
        Assert.Equal(AssignmentPhase.ColumnReduction, reports[0].Phase);
        Assert.Equal(new AssignmentProgress(AssignmentPhase.Done, 100, 100), reports[^1]);
    }

    [Fact]
    public void Cancellation_stops_the_solve()
    {
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            LinearAssignment.SolveSquaredEuclidean(Gaussian(9, 50, 3), Gaussian(10, 50, 3), 50, 3, 1, null, cancel.Token));
    }

    [Fact]
    public void Non_finite_inputs_are_rejected_naming_the_row()
    {
        var cost = UniformCost(1, 5);
        cost[3, 2] = double.NaN;
        Assert.Contains("Row 3", Assert.Throws<ArgumentException>(() => LinearAssignment.Solve(cost)).Message);

        var a = Gaussian(1, 10, 4);
        var b = Gaussian(2, 10, 4);
        b[7 * 4 + 1] = double.PositiveInfinity;
        var e = Assert.Throws<ArgumentException>(() => LinearAssignment.SolveSquaredEuclidean(a, b, 10, 4));
        Assert.Contains("Row 7 of b", e.Message);

        var af = new float[40];
        af[2 * 4] = float.NaN;
        Assert.Contains("Row 2 of a", Assert.Throws<ArgumentException>(() => LinearAssignment.SolveSquaredEuclidean(af, new float[40], 10, 4)).Message);
    }

    [Fact]
    public void Non_finite_callback_costs_are_rejected_naming_the_row()
    {
        var e = Assert.Throws<ArgumentException>(() => LinearAssignment.Solve(new NaNRowCost(), threads: 1));
        Assert.Contains("row 4", e.Message);
    }

    [Fact]
    public void Shapes_are_checked_and_trivial_sizes_work()
    {
        Assert.Throws<ArgumentException>(() => LinearAssignment.Solve(new double[3, 4]));
        Assert.Throws<ArgumentException>(() => LinearAssignment.SolveSquaredEuclidean(new double[10], new double[12], 5, 2));
        Assert.Empty(LinearAssignment.Solve(new double[0, 0]).ColumnOfRow);
        var one = LinearAssignment.Solve(new[,] { { 2.5 } });
        Assert.Equal([0], one.ColumnOfRow);
        Assert.Equal(2.5, one.Cost);
    }

    private sealed class SynchronousProgress(Action<AssignmentProgress> report) : IProgress<AssignmentProgress>
    {
        public void Report(AssignmentProgress value) => report(value);
    }

    /// <summary>c(i, j) ∈ {0, …, levels − 1} from an integer hash of (i, j): cheap, reproducible, full of ties.</summary>
    private sealed class HashedIntegerCost(int n, int levels) : IAssignmentCost
    {
        public int Size => n;

        public void FillRow(int row, ReadOnlySpan<int> columns, Span<double> destination)
        {
            for (int k = 0; k < columns.Length; k++)
            {
                ulong h = (ulong)row * 0x9E3779B97F4A7C15UL ^ (ulong)columns[k] * 0xC2B2AE3D27D4EB4FUL;
                h ^= h >> 29;
                h *= 0xBF58476D1CE4E5B9UL;
                h ^= h >> 32;
                destination[k] = (double)(h % (ulong)levels);
            }
        }
    }

    private sealed class NaNRowCost : IAssignmentCost
    {
        public int Size => 6;

        public void FillRow(int row, ReadOnlySpan<int> columns, Span<double> destination)
        {
            for (int k = 0; k < columns.Length; k++) destination[k] = row == 4 && columns[k] == 1 ? double.NaN : row + columns[k];
        }
    }
}
