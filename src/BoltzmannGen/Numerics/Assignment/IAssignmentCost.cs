namespace BoltzmannGen.Numerics.Assignment;

/// <summary>
/// A square n×n assignment cost supplied one row at a time, so that a solver never needs the whole matrix
/// (for n = 20,000 a float64 matrix is 3.2 GB, while the two point sets it comes from are ~10 MB).
/// </summary>
public interface IAssignmentCost
{
    /// <summary>n: the number of rows, equal to the number of columns.</summary>
    int Size { get; }

    /// <summary>
    /// Writes c(<paramref name="row"/>, <paramref name="columns"/>[k]) into <paramref name="destination"/>[k].
    /// Called concurrently from several threads (on disjoint destinations), so it must not mutate shared state.
    /// </summary>
    void FillRow(int row, ReadOnlySpan<int> columns, Span<double> destination);
}
