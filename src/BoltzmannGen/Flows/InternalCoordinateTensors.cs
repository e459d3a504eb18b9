using BoltzmannGen.Coordinates;
using static TorchSharp.torch;

namespace BoltzmannGen.Flows;

/// <summary>
/// The double-precision <see cref="InternalCoordinateMap"/> applied to batches held as tensors (flows and the
/// teacher both need it). <see cref="Encode"/> and <see cref="Decode"/> give float64 results on the CPU, detached
/// (the map has no parameters; likelihood training needs no gradient through it); callers move them to their
/// model's dtype and device. <see cref="DecodeDifferentiable"/> keeps the graph, for losses on the energy of x(y).
/// </summary>
public static partial class InternalCoordinateTensors
{
    /// <summary>y (B, D) and log|det ∂y/∂x| (B) of positions (B, N, 3) in nm.</summary>
    public static (Tensor Y, Tensor LogJacobian) Encode(InternalCoordinateMap map, Tensor positions)
    {
        using var x = positions.detach().to(float64, CPU).contiguous();
        int n = (int)x.shape[0];
        var y = new double[n * map.Dimension];
        var logJacobian = map.EncodeMany(x.data<double>().ToArray(), n, y);
        return (tensor(y, [n, map.Dimension], float64), tensor(logJacobian, float64));
    }

    /// <summary>Centred positions (B, N, 3) in nm and log|det ∂x/∂y| (B) of y (B, D).</summary>
    public static (Tensor Positions, Tensor LogJacobian) Decode(InternalCoordinateMap map, Tensor y)
    {
        using var values = y.detach().to(float64, CPU).contiguous();
        int n = (int)values.shape[0];
        var x = new double[n * 3 * map.Atoms];
        var logJacobian = map.DecodeMany(values.data<double>().ToArray(), n, x);
        return (tensor(x, [n, map.Atoms, 3], float64), tensor(logJacobian, float64));
    }
}
