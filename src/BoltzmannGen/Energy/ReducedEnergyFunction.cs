using TorchSharp;
using static TorchSharp.torch;

namespace BoltzmannGen.Energy;

/// <summary>
/// The reduced energy u(x) = E(x)/k_B T as a TorchSharp autograd function, so that later stages can train
/// against the energy: forward evaluates OpenMM on the batch (positions (B, N, 3) or (B, 3N) in nm, any float
/// dtype and device), backward returns grad_output · ∇u = −F/k_B T. Forces are computed in the forward pass
/// (one OpenMM call gives both) and kept for backward.
/// </summary>
public sealed class ReducedEnergyFunction : autograd.SingleTensorFunction<ReducedEnergyFunction>
{
    public override string Name => "ReducedEnergy";

    /// <summary>u(x) for each conformation in <paramref name="positions"/>, differentiable.</summary>
    public static Tensor Evaluate(PotentialEnergy energy, Tensor positions) => apply(positions, energy);

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var x = (Tensor)vars[0];
        var energy = (PotentialEnergy)vars[1];
        long batch = x.shape[0];
        double[] coordinates;
        using (var cpu = x.detach().to(float64, CPU).contiguous())
            coordinates = cpu.data<double>().ToArray();

        var result = energy.Evaluate(coordinates, withForces: true);
        var reduced = tensor(result.Reduced, [batch], float64).to(x.dtype, x.device);
        // ∇u = −F / k_B T, in x's shape, dtype and device.
        var gradient = tensor(result.Forces!, x.shape, float64).mul(-1.0 / result.KT).to(x.dtype, x.device);
        ctx.save_for_backward([gradient]);
        return reduced;
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
    {
        var gradient = ctx.get_saved_variables()[0];
        var shape = new long[gradient.dim()];
        shape[0] = gradOutput.shape[0];
        for (int i = 1; i < shape.Length; i++) shape[i] = 1;
        return [gradOutput.reshape(shape) * gradient, null!];
    }
}
