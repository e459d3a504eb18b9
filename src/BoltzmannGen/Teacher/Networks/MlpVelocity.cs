using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BoltzmannGen.Teacher.Networks;

/// <summary>
/// Plain MLP velocity: [x, Fourier(t)] → Layers hidden layers of width Hidden (SiLU) → D, made mean-free over
/// atoms. Not equivariant (trainers use random-rotation augmentation with it); a baseline for the EGNN.
/// </summary>
public sealed class MlpVelocity : VelocityNetwork
{
    private readonly FourierTimeEmbedding timeFeatures;
    private readonly ModuleList<Dense> hidden;
    private readonly Dense output;

    public MlpVelocity(int atoms, VelocityHyperparameters? hyperparameters = null) : base(nameof(MlpVelocity), atoms)
    {
        var hp = hyperparameters ?? new VelocityHyperparameters();
        hp.Validate();
        Hyperparameters = hp;
        using var generator = new Generator((ulong)hp.Seed);
        timeFeatures = new FourierTimeEmbedding(hp.TimeEmbedding, hp.MaxTimeFrequency);
        var list = new List<Dense> { new(Dimension + hp.TimeEmbedding, hp.Hidden, generator) };
        for (int l = 1; l < hp.Layers; l++) list.Add(new Dense(hp.Hidden, hp.Hidden, generator));
        hidden = nn.ModuleList(list.ToArray());
        output = new Dense(hp.Hidden, Dimension, generator);
        RegisterComponents();
    }

    public override string Architecture => "mlp";

    public VelocityHyperparameters Hyperparameters { get; }

    public override Tensor forward(Tensor x, Tensor t)
    {
        var time = CheckInputs(x, t);
        var z = cat([x, timeFeatures.call(time)], 1);
        foreach (var layer in hidden) z = nn.functional.silu(layer.call(z));
        return MeanFreeFlat(output.call(z).reshape(x.shape[0], Atoms, 3));
    }
}
