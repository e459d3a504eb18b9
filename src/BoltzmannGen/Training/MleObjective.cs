using BoltzmannGen.Coordinates;
using BoltzmannGen.Flows;
using TorchSharp;
using static TorchSharp.torch;

namespace BoltzmannGen.Training;

/// <summary>
/// Maximum likelihood, the baseline FORT is compared with: minimise −mean log q of data frames, with a random
/// rotation per frame. Reported per degree of freedom in the flow's normalised units (the −D·log s term is a
/// constant and left out of the loss).
/// </summary>
public sealed class MleObjective : ITrainingObjective, IDisposable
{
    private readonly Tensor _train, _val;
    private readonly TrainingConfig _config;

    /// <param name="train">(n, N, 3) training frames, nm</param>
    /// <param name="val">(m, N, 3) validation frames, nm</param>
    public MleObjective(BoltzmannFlow model, Tensor train, Tensor val, TrainingConfig config)
    {
        _config = config;
        using var _ = no_grad();
        _train = model.ToLatent(train).detach();
        _val = model.ToLatent(val).detach();
    }

    public string Name => "mle";

    public Tensor Loss(BoltzmannFlow model, int batchSize, Generator generator)
    {
        var index = randint(_train.shape[0], [batchSize], generator: generator).to(model.Device);
        var u = _train.index_select(0, index);
        if (_config.RandomRotations && model.InternalCoordinates is null) // internal coordinates: y holds the orientation
        {
            var r = RandomRotations.Sample(batchSize, generator, model.Device, model.DType);
            u = model.Coordinates.Project(RandomRotations.Apply(model.Coordinates.Embed(u), r));
        }
        return NegativeLogLikelihood(model, u);
    }

    public double ValidationLoss(BoltzmannFlow model)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        return NegativeLogLikelihood(model, _val[..Math.Min(2048, (int)_val.shape[0])]).item<float>();
    }

    private static Tensor NegativeLogLikelihood(BoltzmannFlow model, Tensor u)
    {
        var (u0, logDet) = model.Flow.Inverse(u);
        return -(model.Prior.LogProb(u0) + logDet).mean() / model.Dimension;
    }

    public void Dispose()
    {
        _train.Dispose(); _val.Dispose();
    }
}
