namespace BoltzmannGen.Numerics;

/// <summary>
/// xoshiro256** (Blackman &amp; Vigna): a small, fast generator whose whole state is four integers, so a run can
/// save it in a checkpoint and continue the identical random stream after a restart (System.Random cannot).
/// Seeded through SplitMix64, as the authors recommend.
/// </summary>
public sealed class Xoshiro256
{
    private ulong _s0, _s1, _s2, _s3;

    public Xoshiro256(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    private Xoshiro256(ulong[] state) => (_s0, _s1, _s2, _s3) = (state[0], state[1], state[2], state[3]);

    /// <summary>The full state, for checkpoints.</summary>
    public ulong[] State => [_s0, _s1, _s2, _s3];

    public static Xoshiro256 FromState(IReadOnlyList<ulong> state)
    {
        if (state.Count != 4 || state.All(s => s == 0)) throw new ArgumentException("xoshiro256 state must be four integers, not all zero.");
        return new Xoshiro256(state.ToArray());
    }

    public ulong NextUInt64()
    {
        ulong result = RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A positive 31-bit integer, e.g. a seed for OpenMM's integrator.</summary>
    public int NextSeed() => (int)(NextUInt64() >> 33) | 1;

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
