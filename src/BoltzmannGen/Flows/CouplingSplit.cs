using BoltzmannGen.Numerics;

namespace BoltzmannGen.Flows;

/// <summary>
/// Which coordinates a coupling layer conditions on and which it transforms (disjoint, together 0..D−1).
/// </summary>
public sealed record CouplingSplit(long[] Condition, long[] Transform)
{
    /// <summary>
    /// Splits for <paramref name="layers"/> coupling layers in complementary pairs: pair p draws a seeded random
    /// permutation of the D coordinates and halves it into A and B; layer 2p transforms B given A, layer 2p+1
    /// transforms A given B, so every coordinate is transformed once per pair and the mixing pattern changes
    /// from pair to pair (fixed halves would never let some coordinates see each other directly).
    /// </summary>
    public static IReadOnlyList<CouplingSplit> Alternating(int dimension, int layers, long seed)
    {
        if (dimension < 2) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "coupling needs at least two coordinates");
        if (layers < 1) throw new ArgumentOutOfRangeException(nameof(layers), layers, "need at least one layer");
        var rng = new Xoshiro256(unchecked((ulong)seed) ^ 0x5DEECE66DUL);
        var splits = new List<CouplingSplit>(layers);
        long[] a = [], b = [];
        for (int l = 0; l < layers; l++)
        {
            if (l % 2 == 0)
            {
                var perm = Enumerable.Range(0, dimension).Select(i => (long)i).ToArray();
                for (int i = dimension - 1; i > 0; i--) // Fisher–Yates
                {
                    int j = (int)(rng.NextUInt64() % (ulong)(i + 1));
                    (perm[i], perm[j]) = (perm[j], perm[i]);
                }
                int half = dimension / 2;
                a = perm[..half].Order().ToArray();
                b = perm[half..].Order().ToArray();
                splits.Add(new CouplingSplit(a, b));
            }
            else
            {
                splits.Add(new CouplingSplit(b, a));
            }
        }
        return splits;
    }

    /// <summary>Throws unless the two index sets partition 0..D−1 and neither is empty.</summary>
    public void Validate(int dimension)
    {
        if (Condition.Length == 0 || Transform.Length == 0)
            throw new ArgumentException("a coupling split needs at least one conditioning and one transformed coordinate");
        var all = Condition.Concat(Transform).Order().ToArray();
        if (all.Length != dimension || all.Where((v, i) => v != i).Any())
            throw new ArgumentException($"coupling split does not partition 0..{dimension - 1}");
    }
}
