using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BoltzmannGen.Teacher.Networks;

/// <summary>
/// E(3)-equivariant velocity field: L <see cref="EgnnLayer"/>s on the fully connected atom graph, dense
/// (B, N, N, ·) tensors. Node features start as a learned embedding of atom type and residue position (a linear
/// map of their one-hot codes) plus a learned projection of Fourier time features; the velocity is the total
/// position update Σ_l Δx_l (= x_L − x_0, summed directly so small updates keep their float32 precision), made
/// mean-free over atoms. Hence v(R x + c, t) = R v(x, t) for every rotation or reflection R and translation c.
/// An equivariant field cannot tell a molecule from its mirror image (docs/design.md §6.8).
/// </summary>
public sealed class EgnnVelocity : VelocityNetwork
{
    private readonly FourierTimeEmbedding timeFeatures;
    private readonly Dense nodeEmbedding, timeProjection;
    private readonly ModuleList<EgnnLayer> layers;
    private Tensor nodeOneHot;      // (N, types + residues) buffer; reassigned by Module.to() through reflection
    private Tensor? edgeAttributes; // (N, N, E) buffer
    private Tensor offDiagonal;     // (N, N, 1) buffer

    public EgnnVelocity(AtomFeatures features, VelocityHyperparameters? hyperparameters = null) : base(nameof(EgnnVelocity), CheckFeatures(features))
    {
        var hp = hyperparameters ?? new VelocityHyperparameters();
        hp.Validate();
        Hyperparameters = hp;
        int n = features.AtomCount;
        using var generator = new Generator((ulong)hp.Seed);
        int width = features.TypeCount + features.ResidueCount;
        int edgeChannels = hp.BondEdges ? AtomFeatures.EdgeChannels : 0;

        timeFeatures = new FourierTimeEmbedding(hp.TimeEmbedding, hp.MaxTimeFrequency);
        nodeEmbedding = new Dense(width, hp.Hidden, generator, hasBias: false);
        timeProjection = new Dense(hp.TimeEmbedding, hp.Hidden, generator);
        layers = nn.ModuleList(Enumerable.Range(0, hp.Layers).Select(_ => new EgnnLayer(hp.Hidden, edgeChannels, hp.CoordinateBound, generator)).ToArray());

        nodeOneHot = tensor(features.OneHot(), [n, width], float32).DetachFromDisposeScope();
        if (edgeChannels > 0)
            edgeAttributes = tensor(features.EdgeAttributes(), [n, n, edgeChannels], float32).DetachFromDisposeScope();
        using (var scope = NewDisposeScope())
            offDiagonal = scope.MoveToOuter((1 - eye(n, dtype: float32)).unsqueeze(-1));
        RegisterComponents();
    }

    private static int CheckFeatures(AtomFeatures features)
    {
        ArgumentNullException.ThrowIfNull(features);
        return features.AtomCount;
    }

    public override string Architecture => "egnn";

    public VelocityHyperparameters Hyperparameters { get; }

    public override Tensor forward(Tensor x, Tensor t)
    {
        var time = CheckInputs(x, t);
        long batch = x.shape[0];
        var position = x.reshape(batch, Atoms, 3);
        var h = nodeEmbedding.call(nodeOneHot).unsqueeze(0) + timeProjection.call(timeFeatures.call(time)).unsqueeze(1);
        Tensor? velocity = null;
        foreach (var layer in layers)
        {
            var (next, delta) = layer.Forward(h, position, edgeAttributes, offDiagonal);
            h = next;
            position = position + delta;
            velocity = velocity is null ? delta : velocity + delta;
        }
        return MeanFreeFlat(velocity!);
    }
}
