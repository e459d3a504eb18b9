using TorchSharp;
using static TorchSharp.torch;

namespace BoltzmannGen.Teacher.Networks;

/// <summary>
/// Base of the teacher's velocity networks: a TorchSharp module forward(x, t) that is also an
/// <see cref="IVelocityField"/>. x (B, D) with D = 3N in [atom, xyz] order, t (B) — a scalar or one-element t is
/// broadcast over the batch — on the module's device and dtype; the output (B, D) has zero mean over atoms.
/// </summary>
public abstract class VelocityNetwork : nn.Module<Tensor, Tensor, Tensor>, IVelocityField
{
    protected VelocityNetwork(string name, int atoms) : base(name)
    {
        if (atoms < 2) throw new ArgumentOutOfRangeException(nameof(atoms), atoms, "need at least two atoms");
        Atoms = atoms;
    }

    /// <summary>egnn or mlp.</summary>
    public abstract string Architecture { get; }

    public int Atoms { get; }

    /// <summary>D = 3N.</summary>
    public int Dimension => 3 * Atoms;

    /// <summary>Number of trainable weights (for logs).</summary>
    public long ParameterCount => parameters().Sum(p => p.numel());

    public Tensor Velocity(Tensor x, Tensor t) => call(x, t);

    /// <summary>Checks x (B, D) and returns t as a (B) tensor of x's dtype and device.</summary>
    protected Tensor CheckInputs(Tensor x, Tensor t)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(t);
        if (x.dim() != 2 || x.shape[1] != Dimension)
            throw new ArgumentException($"{Architecture} velocity expects x of shape (B, {Dimension}) for {Atoms} atoms; got ({string.Join(", ", x.shape)}).", nameof(x));
        long batch = x.shape[0];
        var time = t.to(x.dtype, x.device);
        if (time.numel() == 1) return time.reshape(1).expand(batch);
        if (time.dim() != 1 || time.shape[0] != batch)
            throw new ArgumentException($"t must have one entry per batch element ({batch}) or be a scalar; got shape ({string.Join(", ", t.shape)}).", nameof(t));
        return time;
    }

    /// <summary>(B, N, 3) → (B, D) with the mean over atoms removed.</summary>
    protected static Tensor MeanFreeFlat(Tensor v)
    {
        var centred = v - v.mean([1], keepdim: true);
        return centred.reshape(v.shape[0], -1);
    }
}
