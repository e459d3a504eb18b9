using TorchSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace BoltzmannGen.Optimisation;

/// <summary>
/// TorchSharp's AdamW update with the same state, options and checkpoint format, but with every Scalar owned and
/// disposed here. TorchSharp 0.107's own step converts six doubles to native Scalars per parameter per step and
/// leaves them to the GC; the finaliser thread can free one while libtorch still reads it ("Expected false to be
/// true … Scalar.h … toDouble" inside AdamW.step, several times a run when two trainings share the cores).
/// The class keeps the name AdamW because TorchSharp writes the optimiser's type name into optimizer.dat and
/// checks it on load: checkpoints made with torch.optim.AdamW resume with this one, and the other way round.
/// </summary>
public sealed class AdamW : TorchSharp.Modules.AdamW
{
    /// <summary>The defaults are torch.optim.AdamW's (β = 0.9, 0.999; ε = 1e-8), which earlier models were trained with.</summary>
    public AdamW(IEnumerable<Parameter> parameters, double lr, double weightDecay, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8)
        : base(parameters, lr, beta1, beta2, eps, weightDecay) { }

    public override Tensor step(Func<Tensor>? closure = null) => _step<ParamGroup>(group =>
    {
        var o = (Options)group.Options;
        double lr = o.LearningRate!.Value, beta1 = o.beta1!.Value, beta2 = o.beta2!.Value, decay = o.weight_decay!.Value;
        using var shrink = (1 - lr * decay).ToScalar();
        using var keep1 = beta1.ToScalar();
        using var keep2 = beta2.ToScalar();
        using var mix1 = (1 - beta1).ToScalar();
        using var mix2 = (1 - beta2).ToScalar();
        using var eps = o.eps!.Value.ToScalar();
        foreach (var param in group.Parameters)
        {
            var grad = param.grad;
            if (grad is null) continue;
            var state = (State)_state[param.Handle];
            state.step += 1;
            param.mul_(shrink);
            state.exp_avg.mul_(keep1).add_(grad, alpha: mix1);
            state.exp_avg_sq.mul_(keep2).addcmul_(grad, grad, value: mix2);
            using var root = Math.Sqrt(1 - Math.Pow(beta2, state.step)).ToScalar();
            using var stepSize = (-lr / (1 - Math.Pow(beta1, state.step))).ToScalar();
            using var denominator = state.exp_avg_sq.sqrt().div_(root).add_(eps);
            param.addcdiv_(state.exp_avg, denominator, value: stepSize);
        }
    }, closure);
}
