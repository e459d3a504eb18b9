using BoltzmannGen.Numerics;

namespace BoltzmannGen.Analysis;

/// <summary>
/// How a percentile bootstrap is run.
/// <para><see cref="BlockLength"/> 1 is the ordinary bootstrap: n indices drawn uniformly with replacement —
/// right for independent samples (flow samples, importance-weighted or not). MD frames are correlated, and the
/// ordinary bootstrap then gives intervals that are too narrow by about √(2τ) (τ the integrated autocorrelation
/// time in frames); for them use a block length of several τ (a moving-block bootstrap: ⌈n/L⌉ contiguous
/// blocks of L frames with starts drawn uniformly from 0…n−L, concatenated and cut to n frames). Blocks of
/// a dataset made of concatenated replicas may straddle a replica boundary; with blocks much shorter than a
/// replica this does not matter.</para>
/// <para>The interval is the percentile interval: the (1−c)/2 and (1+c)/2 quantiles (linear interpolation,
/// numpy's default) of the <see cref="Resamples"/> replicate estimates, c = <see cref="Confidence"/>.
/// For weighted samples each replicate resamples indices uniformly and recomputes the self-normalised weighted
/// estimate from the weights of the drawn indices.</para>
/// </summary>
/// <param name="Resamples">Number of bootstrap replicates B (≥ 10).</param>
/// <param name="Confidence">Nominal coverage of the interval, in (0, 1).</param>
/// <param name="Seed">Seed of the <see cref="Xoshiro256"/> stream; the same seed gives the same interval.</param>
/// <param name="BlockLength">Frames per block; 1 for independent samples.</param>
public sealed record BootstrapOptions(int Resamples = 1000, double Confidence = 0.95, ulong Seed = 1, int BlockLength = 1)
{
    /// <summary>Defaults: 1,000 replicates, 95 %, seed 1, ordinary (block length 1) bootstrap.</summary>
    public static BootstrapOptions Default { get; } = new();

    internal void Validate(string parameterName)
    {
        if (Resamples < 10)
            throw new ArgumentException($"Bootstrap Resamples is {Resamples}; at least 10 are needed for a percentile interval.", parameterName);
        if (!(Confidence > 0 && Confidence < 1))
            throw new ArgumentException($"Bootstrap Confidence is {Confidence}; it must lie strictly between 0 and 1.", parameterName);
        if (BlockLength < 1)
            throw new ArgumentException($"Bootstrap BlockLength is {BlockLength}; it must be at least 1.", parameterName);
    }

    internal double LowerQuantile => (1 - Confidence) / 2;
    internal double UpperQuantile => (1 + Confidence) / 2;
}

/// <summary>
/// Draws the blocks of one bootstrap replicate of n items: ⌈n/L⌉ blocks (start, length) with starts uniform in
/// [0, n−L] and the last block shortened so the lengths add up to n. L = 1 is the ordinary bootstrap.
/// Callers sum over blocks (with prefix sums that is O(1) per block).
/// </summary>
internal sealed class BlockResampler
{
    private readonly int _n;
    private readonly int _length;
    private readonly Xoshiro256 _random;

    public BlockResampler(int n, int blockLength, ulong seed)
    {
        _n = n;
        _length = Math.Min(blockLength, n);
        _random = new Xoshiro256(seed);
    }

    public int Count => _n;

    /// <summary>Number of blocks in each replicate.</summary>
    public int BlocksPerReplicate => (_n + _length - 1) / _length;

    /// <summary>Fills <paramref name="starts"/> and <paramref name="lengths"/> (each <see cref="BlocksPerReplicate"/> long).</summary>
    public void Next(Span<int> starts, Span<int> lengths)
    {
        int remaining = _n;
        ulong choices = (ulong)(_n - _length + 1);
        for (int k = 0; k < starts.Length; k++)
        {
            starts[k] = (int)Math.BigMul(_random.NextUInt64(), choices, out _); // ⌊u·choices / 2⁶⁴⌋, uniform
            lengths[k] = Math.Min(_length, remaining);
            remaining -= lengths[k];
        }
    }
}

/// <summary>
/// Samples grouped into families, the units of a family bootstrap (SMC particles copied from one starting particle):
/// <see cref="Order"/> lists the samples family by family, in order of each family's first appearance, and family u
/// is Order[Start[u] … Start[u+1]−1]. A replicate draws families as an ordinary bootstrap draws samples.
/// </summary>
internal sealed class FamilyUnits
{
    private FamilyUnits(int[] order, int[] start) => (Order, Start) = (order, start);

    public int[] Order { get; }
    public int[] Start { get; }
    public int Count => Start.Length - 1;

    /// <summary>Groups <paramref name="families"/> (one label per sample); refuses a length mismatch and blocks.</summary>
    public static FamilyUnits Of(int[] families, int samples, BootstrapOptions bootstrap, string parameterName)
    {
        if (families.Length != samples)
            throw new ArgumentException($"{families.Length} family labels for {samples} samples; give one per sample.", parameterName);
        if (bootstrap.BlockLength != 1)
            throw new ArgumentException("A family bootstrap draws whole families; it takes no blocks (BlockLength 1).", nameof(bootstrap));
        var members = new Dictionary<int, List<int>>();
        var firstSeen = new List<int>();
        for (int i = 0; i < samples; i++)
        {
            if (!members.TryGetValue(families[i], out var list)) { members[families[i]] = list = []; firstSeen.Add(families[i]); }
            list.Add(i);
        }
        var start = new int[firstSeen.Count + 1];
        for (int u = 0; u < firstSeen.Count; u++) start[u + 1] = start[u] + members[firstSeen[u]].Count;
        return new FamilyUnits([.. firstSeen.SelectMany(f => members[f])], start);
    }

    /// <summary>Per-sample values in family order, so that each family is a contiguous run.</summary>
    public T[] Permute<T>(T[] values) => Array.ConvertAll(Order, i => values[i]);

    /// <summary>The sum of per-sample values over each family.</summary>
    public double[] SumPerFamily(double[] values)
    {
        var sums = new double[Count];
        for (int u = 0; u < Count; u++)
            for (int r = Start[u]; r < Start[u + 1]; r++) sums[u] += values[Order[r]];
        return sums;
    }
}
