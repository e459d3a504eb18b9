using BoltzmannGen.Optimisation;
using static TorchSharp.torch;

namespace BoltzmannGen.FineTuning;

/// <summary>
/// FAB's prioritised replay buffer (Midgley et al. 2023, §4): the fab term's AIS particles, kept in the flow's data-side
/// coordinates with their AIS log-weights towards p²/q and the log q they were weighted under. A step draws a batch
/// without replacement in proportion to the weights (Gumbel top-k), so many gradient steps share one annealing and each
/// sees the heavy particles of many. As the flow changes, a drawn particle's weight is multiplied by q_old/q_new, which
/// keeps it a weight towards p²/q for the current q. A ring: the oldest particles leave first. Saved with each
/// checkpoint (<see cref="ICheckpointPart"/>), so --resume continues with the same buffer.
/// </summary>
public sealed class FabReplayBuffer : ICheckpointPart
{
    private const string Magic = "bgen-fab-buffer-1";
    private readonly int _capacity, _dimension;
    private readonly double[] _latent, _logWeight, _logQ;
    private int _next;

    public FabReplayBuffer(int capacity, int dimension)
    {
        if (capacity < 1 || dimension < 1) throw new ArgumentOutOfRangeException(nameof(capacity), "capacity and dimension must be positive");
        (_capacity, _dimension) = (capacity, dimension);
        _latent = new double[(long)capacity * dimension];
        _logWeight = new double[capacity];
        _logQ = new double[capacity];
    }

    /// <summary>Particles held (at most the capacity).</summary>
    public int Count { get; private set; }
    /// <summary>Steps since the last annealing was added; the fine-tuning objective anneals again after fab_every.</summary>
    public int StepsSinceAnnealing { get; set; }

    public string FileName => "fab_buffer.bin";

    /// <summary>Adds particles (rows of <paramref name="latent"/>, (n·D)); those with a non-finite weight or log q are skipped.</summary>
    public void Add(double[] latent, double[] logWeight, double[] logQ)
    {
        int n = logWeight.Length;
        if (latent.Length != (long)n * _dimension || logQ.Length != n) throw new ArgumentException("latent, logWeight and logQ disagree on the particle count");
        for (int i = 0; i < n; i++)
        {
            if (!double.IsFinite(logWeight[i]) || !double.IsFinite(logQ[i])) continue;
            Array.Copy(latent, (long)i * _dimension, _latent, (long)_next * _dimension, _dimension);
            (_logWeight[_next], _logQ[_next]) = (logWeight[i], logQ[i]);
            _next = (_next + 1) % _capacity;
            Count = Math.Min(Count + 1, _capacity);
        }
    }

    /// <summary>
    /// min(<paramref name="m"/>, Count) distinct indices drawn in proportion to exp(log w) without replacement: the m
    /// largest of log w + Gumbel noise, the noise from <paramref name="generator"/> (so --resume replays the draw).
    /// </summary>
    public int[] Draw(int m, Generator generator)
    {
        int n = Count;
        using var u = rand(n, float64, generator.device, generator: generator).cpu();
        var uniform = u.data<double>().ToArray();
        var keys = new double[n];
        for (int i = 0; i < n; i++) keys[i] = _logWeight[i] - Math.Log(-Math.Log(Math.Max(uniform[i], double.Epsilon)));
        var order = Enumerable.Range(0, n).ToArray();
        Array.Sort(keys.Select(k => -k).ToArray(), order);
        return order[..Math.Min(m, n)];
    }

    /// <summary>The data-side coordinates of the given particles, (k·D).</summary>
    public double[] Latents(int[] indices)
    {
        var rows = new double[(long)indices.Length * _dimension];
        for (int k = 0; k < indices.Length; k++) Array.Copy(_latent, (long)indices[k] * _dimension, rows, (long)k * _dimension, _dimension);
        return rows;
    }

    public double LogWeight(int index) => _logWeight[index];
    public double LogQ(int index) => _logQ[index];

    /// <summary>
    /// The flow has become q_new: each particle's weight towards p²/q is multiplied by q_old/q_new and q_new is
    /// remembered. Non-finite new values leave a particle as it was.
    /// </summary>
    public void Reweight(int[] indices, double[] logQNew)
    {
        for (int k = 0; k < indices.Length; k++)
        {
            if (!double.IsFinite(logQNew[k])) continue;
            int i = indices[k];
            _logWeight[i] += _logQ[i] - logQNew[k];
            _logQ[i] = logQNew[k];
        }
    }

    public void Save(string path)
    {
        using var writer = new BinaryWriter(File.Create(path));
        writer.Write(Magic);
        foreach (int v in new[] { _capacity, _dimension, Count, _next, StepsSinceAnnealing }) writer.Write(v);
        for (long i = 0; i < (long)Count * _dimension; i++) writer.Write(_latent[i]);
        for (int i = 0; i < Count; i++) { writer.Write(_logWeight[i]); writer.Write(_logQ[i]); }
    }

    public void Load(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        if (reader.ReadString() != Magic) throw new InvalidDataException($"{path} is not a fab replay buffer");
        int capacity = reader.ReadInt32(), dimension = reader.ReadInt32();
        if (capacity != _capacity || dimension != _dimension)
            throw new InvalidDataException($"{path} holds a buffer of {capacity} × {dimension}, not {_capacity} × {_dimension}");
        int count = reader.ReadInt32(), next = reader.ReadInt32(), since = reader.ReadInt32();
        if (count < 0 || count > capacity || next < 0 || next >= capacity) throw new InvalidDataException($"{path} has a damaged header");
        for (long i = 0; i < (long)count * dimension; i++) _latent[i] = reader.ReadDouble();
        for (int i = 0; i < count; i++) { _logWeight[i] = reader.ReadDouble(); _logQ[i] = reader.ReadDouble(); }
        (Count, _next, StepsSinceAnnealing) = (count, next, since);
    }
}
