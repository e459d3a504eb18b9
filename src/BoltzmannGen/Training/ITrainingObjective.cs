using BoltzmannGen.Flows;
using static TorchSharp.torch;

namespace BoltzmannGen.Training;

/// <summary>
/// What a trainer minimises. FORT and MLE share everything else (optimiser, schedule, EMA, logging,
/// checkpoints), so the two objectives always see the same architectures.
/// </summary>
public interface ITrainingObjective
{
    /// <summary>fort or mle.</summary>
    string Name { get; }

    /// <summary>The training loss of one random batch (a scalar tensor with gradients).</summary>
    Tensor Loss(BoltzmannFlow model, int batchSize, Generator generator);

    /// <summary>The same loss on held-out data, without augmentation or noise (a number).</summary>
    double ValidationLoss(BoltzmannFlow model);
}
