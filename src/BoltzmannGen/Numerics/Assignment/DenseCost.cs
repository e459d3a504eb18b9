namespace BoltzmannGen.Numerics.Assignment;

/// <summary>An <see cref="IAssignmentCost"/> over a stored n×n matrix (small problems, tests, the T-W2 metric).</summary>
internal sealed class DenseCost : IAssignmentCost
{
    private readonly double[,] _cost;

    public DenseCost(double[,] cost) => _cost = cost;

    public int Size => _cost.GetLength(0);

    public void FillRow(int row, ReadOnlySpan<int> columns, Span<double> destination)
    {
        for (int k = 0; k < columns.Length; k++) destination[k] = _cost[row, columns[k]];
    }
}
