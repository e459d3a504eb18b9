using BoltzmannGen.Coordinates;
using BoltzmannGen.Data;
using BoltzmannGen.Flows;
using BoltzmannGen.Numerics;
using BoltzmannGen.Systems;
using static TorchSharp.torch;

namespace BoltzmannGen.Targets;

/// <summary>
/// The two sides of an optimal-transport pairing for FORT (`bgen targets --kind ot`): n distinct training frames
/// (a seeded shuffle), centred and divided by the length scale, and n prior draws (standard normal in the 3N−3
/// centred coordinates, embedded as centred Cartesian vectors). The cost is squared Euclidean distance either in
/// that Cartesian frame or in standardised internal coordinates (an internal-coordinate student's own space); the
/// targets are always the paired frames in the normalised Cartesian frame.
/// </summary>
public sealed class OtTargetProblem
{
    public required int Pairs { get; init; }
    public required int Atoms { get; init; }
    /// <summary>Length scale (nm): RMS atom–centroid distance of the training frames.</summary>
    public required double Scale { get; init; }
    /// <summary>Prior draws x0 (n, N, 3), normalised units.</summary>
    public required float[] Prior { get; init; }
    /// <summary>The chosen frames (n, N, 3), centred and scaled.</summary>
    public required float[] Frames { get; init; }
    /// <summary>Rows and columns of the cost: the vectors whose squared distances are assigned, and their length.</summary>
    public required float[] CostRows { get; init; }
    public required float[] CostColumns { get; init; }
    public required int CostDimension { get; init; }
    public required bool InternalCost { get; init; }

    /// <param name="cost">cartesian or internal</param>
    public static OtTargetProblem Build(PeptideSystem system, Frames train, int pairs, int seed, string cost)
    {
        if (pairs > train.Count) throw new InputException($"--pairs {pairs} is more than the {train.Count} training frames.");
        int atoms = system.AtomCount, d = 3 * atoms, n = pairs;
        double scale = LengthScale.FromFrames(train.Positions, atoms);

        var random = new Xoshiro256((ulong)seed);
        var order = Enumerable.Range(0, train.Count).ToArray();
        for (int i = order.Length - 1; i > 0; i--) { int j = (int)(random.NextUInt64() % (ulong)(i + 1)); (order[i], order[j]) = (order[j], order[i]); }
        var frames = new float[n * d];
        using (var coordinates = new CentredCoordinates(atoms, scale))
        using (var data = tensor(order[..n].SelectMany(f => train.Frame(f).ToArray()).ToArray(), [n, atoms, 3], float64))
        using (var normalised = coordinates.Centre(data) / scale)
            normalised.to(float32).data<float>().CopyTo(frames);

        var x0 = new float[n * d];
        using (var coordinates = new CentredCoordinates(atoms, 1.0))
        using (var g = new Generator((ulong)seed + 1))
        using (var u0 = randn([n, coordinates.Dimension], generator: g, dtype: float64))
        using (var embedded = coordinates.Embed(u0))
            embedded.to(float32).data<float>().CopyTo(x0);

        bool internalCost = cost == "internal";
        var (rows, columns, dimension) = internalCost ? InternalCoordinateCost(system, frames, x0, n, scale) : (x0, frames, d);
        return new OtTargetProblem
        {
            Pairs = n, Atoms = atoms, Scale = scale, Prior = x0, Frames = frames,
            CostRows = rows, CostColumns = columns, CostDimension = dimension, InternalCost = internalCost,
        };
    }

    /// <summary>The regression targets of the prior draws in order: their assigned frames, normalised Cartesian.</summary>
    public float[] Targets(OtPairing pairing)
    {
        if (!InternalCost) return pairing.Targets;
        int d = 3 * Atoms;
        var result = new float[Frames.Length];
        for (int i = 0; i < pairing.DataIndexOfDraw.Length; i++)
            Frames.AsSpan(pairing.DataIndexOfDraw[i] * d, d).CopyTo(result.AsSpan(i * d, d));
        return result;
    }

    // Prior coefficients u0 (n, D) and the frames' standardised internal coordinates y (n, D), fitted on these frames.
    private static (float[] Prior, float[] Frames, int Dimension) InternalCoordinateCost(PeptideSystem system,
        float[] normalisedFrames, float[] x0, int n, double scale)
    {
        int atoms = system.AtomCount, dimension = 3 * atoms - 3;
        var nm = Array.ConvertAll(normalisedFrames, v => v * scale);
        var map = InternalCoordinateMap.Fit(ZMatrix.FromTopology(system.Topology), nm, n);
        var y = new double[n * dimension];
        map.EncodeMany(nm, n, y);
        var u0 = new float[n * dimension];
        using (var coordinates = new CentredCoordinates(atoms, 1.0))
        using (var draws = tensor(x0, [n, atoms, 3], float32))
        using (var projected = coordinates.Project(draws))
            projected.data<float>().CopyTo(u0);
        return (u0, Array.ConvertAll(y, v => (float)v), dimension);
    }
}
