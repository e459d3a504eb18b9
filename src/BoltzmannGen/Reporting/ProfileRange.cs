using BoltzmannGen.Analysis;

namespace BoltzmannGen.Reporting;

/// <summary>
/// What a free-energy profile shows (docs/design.md §7.9). A bin is well sampled when its effective sample count
/// (Kish's (Σw)²/Σw² over the samples in it; for unweighted MD frames, their number) reaches
/// <see cref="MinEffectiveSamples"/>; sparser bins are noisy (a reweighted bin held by one or two heavy samples can
/// read tens of k_BT) and are drawn as hollow markers without a band. The y-axis ends <see cref="Headroom"/> above
/// the reference profile's (MD's) highest well-sampled bin, so those noisy bins cannot stretch it past the basins.
/// </summary>
public static class ProfileRange
{
    /// <summary>Fewest effective samples a bin needs to be drawn as part of the line and band.</summary>
    public const double MinEffectiveSamples = 10;

    /// <summary>k_BT above the reference's highest well-sampled bin where the y-axis ends.</summary>
    public const double Headroom = 4;

    /// <summary>
    /// Effective sample count per bin of <see cref="FreeEnergySurface.Profile"/>'s histogram (same bins):
    /// (Σw)²/Σw² of the samples in the bin, the number of samples when <paramref name="weights"/> is null, 0 for an
    /// empty bin. Angles in radians; zero-weight samples are ignored.
    /// </summary>
    public static double[] EffectiveCounts(double[] angles, double[]? weights, int bins = FreeEnergySurface.DefaultProfileBins)
    {
        if (weights is not null && weights.Length != angles.Length)
            throw new ArgumentException($"{angles.Length} angles but {weights.Length} weights.", nameof(weights));
        var sum = new double[bins];
        var sumSquares = new double[bins];
        for (int s = 0; s < angles.Length; s++)
        {
            double w = weights?[s] ?? 1.0;
            if (!(w > 0)) continue;
            int b = FreeEnergySurface.Bin(angles[s], bins);
            sum[b] += w;
            sumSquares[b] += w * w;
        }
        var effective = new double[bins];
        for (int b = 0; b < bins; b++) effective[b] = sumSquares[b] > 0 ? sum[b] * sum[b] / sumSquares[b] : 0;
        return effective;
    }

    /// <summary>Bin i has a finite value and, when the profile knows its effective counts, at least <see cref="MinEffectiveSamples"/>.</summary>
    public static bool IsWellSampled(Profile1D profile, int i) =>
        double.IsFinite(profile.Centres[i]) && double.IsFinite(profile.Values[i])
        && (profile.EffectiveCounts is not { } counts || counts[i] >= MinEffectiveSamples);

    /// <summary>A finite bin with fewer than <see cref="MinEffectiveSamples"/> effective samples.</summary>
    public static bool IsSparse(Profile1D profile, int i) =>
        double.IsFinite(profile.Centres[i]) && double.IsFinite(profile.Values[i]) && !IsWellSampled(profile, i);

    /// <summary>
    /// The y-axis range: the top is <see cref="Headroom"/> above the highest well-sampled bin of
    /// <paramref name="profiles"/>[<paramref name="reference"/>] (of all profiles when the reference has none); the
    /// bottom is 0, or the lowest well-sampled value or band end when lower, with 5 % of the span below it.
    /// </summary>
    public static (double Bottom, double Top) Limits(IReadOnlyList<Profile1D> profiles, int reference = 0)
    {
        static IEnumerable<double> Highest(Profile1D p) =>
            Enumerable.Range(0, p.Values.Length).Where(i => IsWellSampled(p, i)).Select(i => p.Values[i]);
        var highest = reference < profiles.Count ? Highest(profiles[reference]).ToList() : [];
        if (highest.Count == 0) highest = profiles.SelectMany(Highest).ToList();
        double top = (highest.Count > 0 ? highest.Max() : 0) + Headroom;
        double low = 0;
        foreach (var p in profiles)
            for (int i = 0; i < p.Values.Length; i++)
                if (IsWellSampled(p, i))
                    low = Math.Min(low, Math.Min(p.Values[i], p.Lower?[i] is { } lo && double.IsFinite(lo) ? lo : 0));
        return (low - 0.05 * (top - low), top);
    }
}
