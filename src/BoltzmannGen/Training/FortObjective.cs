using BoltzmannGen.Coordinates;
using BoltzmannGen.Flows;
using TorchSharp;
using static TorchSharp.torch;

namespace BoltzmannGen.Training;

/// <summary>
/// Forward-only regression (FORT, docs/design.md §6.1): L = mean ||f(u0) − u1||² + λ_ld·mean (log|det J|)²
/// + λ_fb·mean ||f⁻¹(f(u0)) − u0||², on fixed pairs (x0, x1) given in the normalised Cartesian frame, mapped to
/// flow coordinates by the orthonormal centred basis. Optional Gaussian noise on u1 and a random rotation applied
/// jointly to both points of a pair. The mean is over coordinates, so the loss reads as a per-coordinate
/// squared error in normalised units.
/// </summary>
public sealed class FortObjective : ITrainingObjective, IDisposable
{
    private readonly Tensor _u0, _u1, _val0, _val1;
    private readonly TrainingConfig _config;

    /// <param name="x0">(n, N, 3) prior draws, normalised frame</param>
    /// <param name="x1">(n, N, 3) targets, normalised frame</param>
    /// <param name="validationFraction">last fraction of the pairs held out for the validation loss</param>
    public FortObjective(BoltzmannFlow model, Tensor x0, Tensor x1, TrainingConfig config, double validationFraction = 0.05)
    {
        _config = config;
        using var _ = no_grad();
        var u0 = model.Coordinates.Project(x0.to(model.DType, model.Device));
        // Internal-coordinate models regress onto the targets' standardised internal coordinates (the prior side
        // is the same standard normal in both cases). Rotations would change y's orientation part: not applied.
        var u1 = model.InternalCoordinates is null
            ? model.Coordinates.Project(x1.to(model.DType, model.Device))
            : model.ToLatent(x1.to(float64) * model.LengthScale);
        long n = u0.shape[0];
        long val = Math.Clamp((long)(n * validationFraction), 1, Math.Max(1, n - 1));
        _u0 = u0[..(int)(n - val)].detach();
        _u1 = u1[..(int)(n - val)].detach();
        _val0 = u0[(int)(n - val)..].detach();
        _val1 = u1[(int)(n - val)..].detach();
    }

    public string Name => "fort";
    public long TrainingPairs => _u0.shape[0];

    public Tensor Loss(BoltzmannFlow model, int batchSize, Generator generator)
    {
        var index = randint(TrainingPairs, [batchSize], generator: generator).to(model.Device);
        var u0 = _u0.index_select(0, index);
        var u1 = _u1.index_select(0, index);
        if (_config.RandomRotations && model.InternalCoordinates is null)
        {
            var r = RandomRotations.Sample(batchSize, generator, model.Device, model.DType);
            u0 = Rotate(model, u0, r);
            u1 = Rotate(model, u1, r);
        }
        if (_config.TargetNoise > 0)
            u1 = u1 + _config.TargetNoise * randn(u1.shape, generator: generator, dtype: u1.dtype).to(model.Device);
        return PairLoss(model, u0, u1, _config.LambdaLogdet, _config.LambdaFb);
    }

    public double ValidationLoss(BoltzmannFlow model)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        return PairLoss(model, _val0, _val1, 0, 0).item<float>();
    }

    private static Tensor Rotate(BoltzmannFlow model, Tensor u, Tensor rotations)
    {
        var x = model.Coordinates.Embed(u);
        return model.Coordinates.Project(RandomRotations.Apply(x, rotations));
    }

    internal static Tensor PairLoss(BoltzmannFlow model, Tensor u0, Tensor u1, double lambdaLogdet, double lambdaFb)
    {
        var (prediction, logDet) = model.Flow.Forward(u0);
        var loss = (prediction - u1).pow(2).mean();
        if (lambdaLogdet > 0) loss = loss + lambdaLogdet * logDet.pow(2).mean();
        if (lambdaFb > 0)
        {
            var (back, _) = model.Flow.Inverse(prediction);
            loss = loss + lambdaFb * (back - u0).pow(2).mean();
        }
        return loss;
    }

    public void Dispose()
    {
        _u0.Dispose(); _u1.Dispose(); _val0.Dispose(); _val1.Dispose();
    }
}
