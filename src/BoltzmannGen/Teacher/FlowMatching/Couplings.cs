using BoltzmannGen.Numerics.Assignment;
using static TorchSharp.torch;

namespace BoltzmannGen.Teacher.FlowMatching;

/// <summary>How a batch of prior draws x0 is paired with a batch of data frames x1.</summary>
public enum CouplingKind
{
    /// <summary>Pairs as drawn (x0_i with x1_i).</summary>
    Independent,

    /// <summary>Mini-batch exact OT: the permutation of x0 minimising Σ ||x0_σ(i) − x1_i||².</summary>
    Ot,

    /// <summary>
    /// Rotation-aware mini-batch OT: cost min_R ||R x0 − x1||² over proper rotations; the assigned draws are
    /// returned rotated onto their partners (Kabsch).
    /// </summary>
    EquivariantOt,
}

/// <summary>
/// Paired prior draws: row i of <see cref="X0"/> is paired with data row i; it is the draw
/// <see cref="Source"/>[i] of the input batch (rotated by <see cref="Rotations"/>[i], row-major 3×3, when the
/// coupling rotates; null otherwise).
/// </summary>
public sealed record CouplingResult(float[] X0, int[] Source, double[][]? Rotations);

/// <summary>
/// Couplings between a batch of prior draws x0 (mean-free Gaussian in D = 3N) and a batch of data frames x1 for
/// conditional flow matching. Exact assignments (<see cref="LinearAssignment"/>) on the dense B × B cost matrix of
/// the batch, single-threaded.
/// Rotations are about the origin, so mean-free draws stay mean-free.
/// </summary>
public static class Couplings
{
    /// <summary>The known coupling names.</summary>
    public static IReadOnlyList<string> Names { get; } = ["independent", "ot", "equivariant-ot"];

    public static CouplingKind Parse(string name) => (name ?? "").Trim().ToLowerInvariant() switch
    {
        "independent" => CouplingKind.Independent,
        "ot" => CouplingKind.Ot,
        "equivariant-ot" => CouplingKind.EquivariantOt,
        _ => throw new ArgumentException($"unknown coupling '{name}'; known: {string.Join(", ", Names)}", nameof(name)),
    };

    public static string Name(CouplingKind kind) => kind switch
    {
        CouplingKind.Independent => "independent",
        CouplingKind.Ot => "ot",
        CouplingKind.EquivariantOt => "equivariant-ot",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>Pairs x0 with x1, both <paramref name="batch"/> × <paramref name="dimension"/> row-major, [atom, xyz] rows.</summary>
    public static CouplingResult Apply(CouplingKind kind, ReadOnlySpan<float> x0, ReadOnlySpan<float> x1, int batch, int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        if (x0.Length != (long)batch * dimension)
            throw new ArgumentException($"x0 holds {x0.Length} values, not batch·D = {batch}·{dimension}.", nameof(x0));
        if (x1.Length != (long)batch * dimension)
            throw new ArgumentException($"x1 holds {x1.Length} values, not batch·D = {batch}·{dimension}.", nameof(x1));
        if (kind == CouplingKind.EquivariantOt && dimension % 3 != 0)
            throw new ArgumentException($"equivariant-ot needs [atom, xyz] rows; D = {dimension} is not a multiple of 3.", nameof(dimension));

        switch (kind)
        {
            case CouplingKind.Independent:
                return new CouplingResult(x0.ToArray(), Enumerable.Range(0, batch).ToArray(), null);
            case CouplingKind.Ot:
            {
                // rows = draws, columns = frames: draw i goes to frame σ(i); the draw for frame j is σ⁻¹(j).
                var source = Solve(SquaredEuclideanCost.Create(x0, x1, batch, dimension), batch);
                var paired = new float[x0.Length];
                for (int j = 0; j < batch; j++) x0.Slice(source[j] * dimension, dimension).CopyTo(paired.AsSpan(j * dimension, dimension));
                return new CouplingResult(paired, source, null);
            }
            case CouplingKind.EquivariantOt:
            {
                var source = Solve(new KabschAlignedCost(x0, x1, batch, dimension), batch);
                var paired = new float[x0.Length];
                var rotations = new double[batch][];
                var mobile = new double[dimension];
                var reference = new double[dimension];
                for (int j = 0; j < batch; j++)
                {
                    Copy(x0.Slice(source[j] * dimension, dimension), mobile);
                    Copy(x1.Slice(j * dimension, dimension), reference);
                    var alignment = Kabsch.Align(mobile, reference);
                    for (int k = 0; k < dimension; k++) paired[j * dimension + k] = (float)alignment.Aligned[k];
                    rotations[j] = [.. alignment.Rotation.Cast<double>()];
                }
                return new CouplingResult(paired, source, rotations);
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
    }

    /// <summary>Tensor form: x0, x1 (B, D) → the paired x0 (B, D) on x0's device and dtype (computed on the CPU in float32).</summary>
    public static Tensor Apply(CouplingKind kind, Tensor x0, Tensor x1)
    {
        ArgumentNullException.ThrowIfNull(x0);
        ArgumentNullException.ThrowIfNull(x1);
        if (x0.dim() != 2 || x1.dim() != 2 || x0.shape[0] != x1.shape[0] || x0.shape[1] != x1.shape[1])
            throw new ArgumentException($"x0 ({string.Join(", ", x0.shape)}) and x1 ({string.Join(", ", x1.shape)}) must both be (B, D) of one shape.", nameof(x0));
        if (kind == CouplingKind.Independent) return x0.alias();
        int batch = (int)x0.shape[0], dimension = (int)x0.shape[1];
        float[] a, b;
        using (var c0 = x0.detach().to(float32, CPU).contiguous()) a = c0.data<float>().ToArray();
        using (var c1 = x1.detach().to(float32, CPU).contiguous()) b = c1.data<float>().ToArray();
        var result = Apply(kind, a, b, batch, dimension);
        using var paired = tensor(result.X0, [batch, dimension], float32);
        return paired.to(x0.dtype, x0.device);
    }

    /// <summary>
    /// Fills the whole batch × batch cost matrix once (each entry computed exactly once), then solves the dense
    /// problem; the matrix-free solver would recompute entries many times, which costs more than storing them
    /// at batch sizes. Returns the draw (row) assigned to each frame (column).
    /// </summary>
    private static int[] Solve(IAssignmentCost cost, int batch)
    {
        var columns = Enumerable.Range(0, batch).ToArray();
        var row = new double[batch];
        var dense = new double[batch, batch];
        for (int i = 0; i < batch; i++)
        {
            cost.FillRow(i, columns, row);
            for (int j = 0; j < batch; j++) dense[i, j] = row[j];
        }
        return LinearAssignment.Solve(dense).RowOfColumn();
    }

    private static void Copy(ReadOnlySpan<float> source, double[] destination)
    {
        for (int k = 0; k < source.Length; k++) destination[k] = source[k];
    }
}
