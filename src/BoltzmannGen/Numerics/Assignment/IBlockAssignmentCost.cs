namespace BoltzmannGen.Numerics.Assignment;

/// <summary>
/// A cost that can fill several whole rows at once faster than row by row (e.g. by reading each column's data
/// once for a block of rows). Values must be bit-identical to <see cref="IAssignmentCost.FillRow"/>.
/// </summary>
internal interface IBlockAssignmentCost : IAssignmentCost
{
    /// <summary>destination[r·n + j] = c(rows[r], j) for every column j.</summary>
    void FillRows(ReadOnlySpan<int> rows, Span<double> destination);
}
