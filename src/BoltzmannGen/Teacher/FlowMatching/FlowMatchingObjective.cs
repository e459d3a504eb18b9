using BoltzmannGen.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace BoltzmannGen.Teacher.FlowMatching;

/// <summary>
/// The teacher's training objective: conditional flow matching (<see cref="ConditionalFlowMatching"/>) between
/// the mean-free Gaussian prior and data frames in the normalised, centred Cartesian frame. One batch: B frames
/// drawn without replacement, B prior draws, the coupling within the batch, then (optionally) one random rotation
/// per pair applied jointly to x0 and x1 (after the coupling, so it keeps the pairing), t ~ U(0, 1) and the path
/// noise. The loss is a per-coordinate mean squared error in normalised units.
/// </summary>
public sealed class FlowMatchingObjective : IDisposable
{
    private readonly Tensor _frames;

    /// <param name="frames">(frames, D) or (frames, N, 3) training data, normalised; re-centred here (mean over atoms removed)</param>
    /// <param name="coupling">how prior draws are paired with frames in a batch</param>
    /// <param name="sigma">path noise σ (0 = deterministic paths)</param>
    /// <param name="randomRotations">rotate each training pair by a uniformly random rotation</param>
    public FlowMatchingObjective(Tensor frames, CouplingKind coupling, double sigma = 0, bool randomRotations = false)
    {
        if (!Enum.IsDefined(coupling)) throw new ArgumentOutOfRangeException(nameof(coupling), coupling, null);
        if (!(sigma >= 0) || double.IsInfinity(sigma)) throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "σ must be finite and ≥ 0");
        _frames = Prepare(frames, nameof(frames), expectedDimension: null);
        Coupling = coupling;
        Sigma = sigma;
        RandomRotations = randomRotations;
    }

    public string Name => "flow-matching";
    public CouplingKind Coupling { get; }
    public double Sigma { get; }
    public bool RandomRotations { get; }

    /// <summary>Number of training frames.</summary>
    public long Frames => _frames.shape[0];

    /// <summary>D = 3N of the data.</summary>
    public int Dimension => (int)_frames.shape[1];

    /// <summary>The training loss of one random batch (a scalar tensor with gradients to the field's weights).</summary>
    public Tensor Loss(IVelocityField field, int batchSize, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        CheckField(field);
        if (batchSize < 1 || batchSize > Frames)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"the batch must hold between 1 and the {Frames} training frames");
        using var scope = NewDisposeScope();
        var index = randperm(Frames, generator: generator)[..batchSize].to(_frames.device);
        var x1 = _frames.index_select(0, index);
        var loss = BatchLoss(field, x1, generator, RandomRotations);
        return scope.MoveToOuter(loss);
    }

    /// <summary>
    /// The loss on held-out frames, deterministic: every frame once, in order, in chunks of
    /// <paramref name="batchSize"/> (the coupling works within a chunk), prior draws, times and noise from a
    /// generator seeded with <paramref name="seed"/>, no rotations.
    /// </summary>
    public double ValidationLoss(IVelocityField field, Tensor validationFrames, long seed = 0, int batchSize = 256)
    {
        CheckField(field);
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "must be ≥ 1");
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var frames = Prepare(validationFrames, nameof(validationFrames), Dimension).to(_frames.dtype, _frames.device);
        using var generator = new Generator((ulong)seed);
        long n = frames.shape[0];
        double sum = 0;
        for (long start = 0; start < n; start += batchSize)
        {
            long end = Math.Min(n, start + batchSize);
            using var chunk = NewDisposeScope();
            var loss = BatchLoss(field, frames[(int)start..(int)end], generator, rotate: false);
            sum += loss.to(float64).item<double>() * (end - start);
        }
        return sum / n;
    }

    private Tensor BatchLoss(IVelocityField field, Tensor x1, Generator generator, bool rotate)
    {
        long batch = x1.shape[0];
        var x0 = ConditionalFlowMatching.SamplePrior(batch, Dimension, generator, x1.device, x1.dtype);
        x0 = Couplings.Apply(Coupling, x0, x1);
        if (rotate)
        {
            var r = Coordinates.RandomRotations.Sample(batch, generator, x1.device, x1.dtype);
            x0 = Coordinates.RandomRotations.Apply(x0.reshape(batch, -1, 3), r).reshape(batch, Dimension);
            x1 = Coordinates.RandomRotations.Apply(x1.reshape(batch, -1, 3), r).reshape(batch, Dimension);
        }
        return ConditionalFlowMatching.Loss(field, x0, x1, Sigma, generator);
    }

    private void CheckField(IVelocityField field)
    {
        ArgumentNullException.ThrowIfNull(field);
        if (field.Dimension != Dimension)
            throw new ArgumentException($"The velocity field works on D = {field.Dimension} coordinates but the data has D = {Dimension} ({Dimension / 3} atoms).", nameof(field));
    }

    private static Tensor Prepare(Tensor frames, string name, int? expectedDimension)
    {
        ArgumentNullException.ThrowIfNull(frames, name);
        if (frames.dim() == 3 && frames.shape[2] != 3 || frames.dim() is not (2 or 3))
            throw new ArgumentException($"{name} must be (frames, D) or (frames, atoms, 3); got ({string.Join(", ", frames.shape)}).", name);
        if (frames.dtype is not (ScalarType.Float32 or ScalarType.Float64))
            throw new ArgumentException($"{name} must be float32 or float64; got {frames.dtype}.", name);
        long n = frames.shape[0];
        if (n < 1) throw new ArgumentException($"{name} holds no frames.", name);
        var flat = frames.reshape(n, -1);
        long d = flat.shape[1];
        if (d < 6 || d % 3 != 0)
            throw new ArgumentException($"{name} has {d} values per frame; need [atom, xyz] triples for at least two atoms.", name);
        if (expectedDimension is int e && d != e)
            throw new ArgumentException($"{name} has D = {d} ({d / 3} atoms) but the training data has D = {e} ({e / 3} atoms).", name);
        using (var finite = flat.isfinite().all())
            if (!finite.item<bool>()) throw new ArgumentException($"{name} contains a non-finite coordinate.", name);
        using var scope = NewDisposeScope();
        return scope.MoveToOuter(ConditionalFlowMatching.MeanFree(flat).detach());
    }

    public void Dispose() => _frames.Dispose();
}
