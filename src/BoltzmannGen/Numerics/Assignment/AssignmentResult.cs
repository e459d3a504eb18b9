namespace BoltzmannGen.Numerics.Assignment;

/// <summary>
/// An optimal assignment: row i goes to column <see cref="ColumnOfRow"/>[i], with total cost
/// <see cref="Cost"/> = Σ_i c(i, σ(i)) (summed from the cost entries themselves, not from the duals).
/// The potentials are the dual certificate: c(i, j) − u_i − v_j ≥ 0 for every pair, with equality on the
/// assignment, which proves optimality (up to rounding) independently of how the solver got there.
/// </summary>
public sealed record AssignmentResult(int[] ColumnOfRow, double Cost, double[] RowPotentials, double[] ColumnPotentials)
{
    /// <summary>The inverse permutation: the row assigned to each column.</summary>
    public int[] RowOfColumn()
    {
        var rows = new int[ColumnOfRow.Length];
        for (int i = 0; i < rows.Length; i++) rows[ColumnOfRow[i]] = i;
        return rows;
    }
}

/// <summary>Which stage of the Jonker–Volgenant solver is running.</summary>
public enum AssignmentPhase
{
    ColumnReduction,
    ReductionTransfer,
    RowReduction,
    Augmentation,
    Done,
}

/// <summary>Progress of a solve: <see cref="AssignedRows"/> of <see cref="Rows"/> rows hold a column so far.</summary>
public readonly record struct AssignmentProgress(AssignmentPhase Phase, int AssignedRows, int Rows);
