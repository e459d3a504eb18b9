using BoltzmannGen.Data;
using BoltzmannGen.Systems;

namespace BoltzmannGen.Analysis;

/// <summary>
/// Populations of the two φ basins. An angle is read modulo 2π in (−π, π] (the <see cref="Dihedrals"/>
/// convention); the "positive" basin is φ ∈ (0, π], the "negative" basin its complement φ ∈ (−π, 0]
/// (φ = 0 exactly, a set of measure zero, counts as negative). P(φ&gt;0) = Σ_{φ_i&gt;0} w_i / Σ w_i with the shared
/// weight convention (optional, self-normalised, ≥ 0; a zero-weight sample may hold NaN).
/// </summary>
public static class BasinPopulations
{
    /// <summary>True when <paramref name="angle"/> (radians, any real value) lies in (0, π] modulo 2π.</summary>
    public static bool IsPositive(double angle)
    {
        double r = Math.IEEERemainder(angle, 2 * Math.PI); // [−π, π]
        return r > 0 || r == -Math.PI; // −π ≡ π
    }

    /// <summary>The (weighted) fraction of samples with φ &gt; 0.</summary>
    public static double PositiveFraction(double[] phi, double[]? weights = null)
    {
        ArgumentNullException.ThrowIfNull(phi);
        var w = SampleWeights.Resolve(phi.Length, weights, nameof(weights), nameof(phi));
        SampleWeights.RequireFinite(phi, w, nameof(phi), "angle");
        double positive = 0, total = 0;
        for (int i = 0; i < phi.Length; i++)
        {
            if (w[i] == 0) continue;
            total += w[i];
            if (IsPositive(phi[i])) positive += w[i];
        }
        return positive / total;
    }
}

/// <summary>Whether a ΔF estimate is finite, or infinite because one basin holds no weight.</summary>
public enum BasinCoverage
{
    /// <summary>Both basins hold weight: ΔF is finite.</summary>
    BothBasins,

    /// <summary>No weight in φ &gt; 0: P(φ&gt;0) = 0, ΔF = +∞ (the φ&gt;0 basin was never sampled).</summary>
    NegativeOnly,

    /// <summary>All weight in φ &gt; 0: P(φ&gt;0) = 1, ΔF = −∞ (the φ&lt;0 basin was never sampled).</summary>
    PositiveOnly,
}

/// <summary>
/// ΔF between the φ&lt;0 and φ&gt;0 basins of one residue, with a bootstrap confidence interval.
/// </summary>
/// <param name="Name">The angle's label, e.g. "phi2".</param>
/// <param name="PositiveFraction">P(φ&gt;0), self-normalised weighted.</param>
/// <param name="PositiveFractionLower">Lower percentile bound of P(φ&gt;0).</param>
/// <param name="PositiveFractionUpper">Upper percentile bound of P(φ&gt;0).</param>
/// <param name="DeltaF">−ln(P(φ&gt;0)/P(φ&lt;0)) in k_BT; +∞ when P(φ&gt;0) = 0, −∞ when it is 1 (see <see cref="Coverage"/>).</param>
/// <param name="Lower">Lower bound of ΔF (= ΔF at the upper bound of P, since ΔF falls as P rises); may be −∞.</param>
/// <param name="Upper">Upper bound of ΔF; +∞ when some replicates held no weight in φ&gt;0 and they reach the percentile.</param>
/// <param name="Confidence">Nominal coverage of [Lower, Upper].</param>
/// <param name="Resamples">Bootstrap replicates used (after dropping degenerate ones).</param>
/// <param name="BlockLength">Bootstrap block length (1: ordinary bootstrap).</param>
/// <param name="Samples">n, all samples including zero-weight ones.</param>
/// <param name="PositiveSamples">Samples with positive weight and φ &gt; 0.</param>
/// <param name="DegenerateResamples">Replicates whose drawn weights were all zero (no estimate; left out).</param>
/// <param name="Coverage">Whether both basins hold weight.</param>
/// <param name="Note">A sentence for reports when something is infinite or degenerate; null otherwise.</param>
/// <param name="Families">When the bootstrap drew whole families of samples (SMC particles that share an ancestor), how many there were.</param>
public sealed record BasinFreeEnergy(
    string Name, double PositiveFraction, double PositiveFractionLower, double PositiveFractionUpper,
    double DeltaF, double Lower, double Upper, double Confidence, int Resamples, int BlockLength,
    int Samples, int PositiveSamples, int DegenerateResamples, BasinCoverage Coverage, string? Note, int? Families = null)
{
    /// <summary>True when ΔF and both interval bounds are finite.</summary>
    public bool IsFinite => double.IsFinite(DeltaF) && double.IsFinite(Lower) && double.IsFinite(Upper);
}

/// <summary>
/// ΔF (docs/design.md §7.5): the free-energy difference between the φ&lt;0 and φ&gt;0 basins, ΔF = −ln(P(φ&gt;0)/P(φ&lt;0))
/// in k_BT, from (reweighted) samples or MD frames, with percentile bootstrap confidence intervals
/// (<see cref="BootstrapOptions"/>: ordinary bootstrap for independent samples, block bootstrap for MD).
/// <para>A basin with no weight makes ΔF infinite: P = 0 gives +∞, P = 1 gives −∞, reported as such with
/// <see cref="BasinFreeEnergy.Coverage"/> and a <see cref="BasinFreeEnergy.Note"/>; no result is ever NaN.
/// The interval is computed on P (always finite) and mapped through the decreasing ΔF(P), so a bound is infinite
/// exactly when enough replicates saw only one basin.</para>
/// </summary>
public static class FreeEnergyDifference
{
    /// <summary>ΔF = −ln(p/(1−p)) = ln(1−p) − ln p; +∞ at p = 0, −∞ at p = 1. p must lie in [0, 1].</summary>
    public static double FromPopulation(double positiveFraction)
    {
        if (!(positiveFraction >= 0 && positiveFraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(positiveFraction), positiveFraction, "A population must lie in [0, 1].");
        if (positiveFraction == 0) return double.PositiveInfinity;
        if (positiveFraction == 1) return double.NegativeInfinity;
        return Math.Log(1 - positiveFraction) - Math.Log(positiveFraction);
    }

    /// <summary>
    /// ΔF of one φ series (radians, one value per sample/frame) with a bootstrap interval.
    /// <paramref name="families"/> (optional, one label per sample) makes the bootstrap draw whole families instead of
    /// samples: SMC particles copied from one ancestor by resampling are not independent, and an interval over single
    /// particles would be too narrow by about √(family size). Only with the ordinary bootstrap (block length 1).
    /// </summary>
    public static BasinFreeEnergy Estimate(double[] phi, double[]? weights = null, BootstrapOptions? bootstrap = null, string name = "phi",
                                           int[]? families = null)
    {
        ArgumentNullException.ThrowIfNull(phi);
        bootstrap ??= BootstrapOptions.Default;
        bootstrap.Validate(nameof(bootstrap));
        var w = SampleWeights.Resolve(phi.Length, weights, nameof(weights), nameof(phi));
        SampleWeights.RequireFinite(phi, w, nameof(phi), "angle");
        var units = families is null ? null : FamilyUnits.Of(families, phi.Length, bootstrap, nameof(families));

        int samples = phi.Length;
        var positiveWeight = new double[samples]; // w_i · 1[φ_i > 0]
        double total = 0, positive = 0;
        int positiveSamples = 0;
        for (int i = 0; i < samples; i++)
        {
            if (w[i] == 0) continue;
            total += w[i];
            if (IsPositiveFinite(phi[i]))
            {
                positiveWeight[i] = w[i];
                positive += w[i];
                positiveSamples++;
            }
        }
        double p = positive / total;
        if (units is not null) (w, positiveWeight) = (units.SumPerFamily(w), units.SumPerFamily(positiveWeight));
        int n = w.Length; // the bootstrap's units: samples, or families

        var replicates = new List<double>(bootstrap.Resamples);
        var resampler = new BlockResampler(n, bootstrap.BlockLength, bootstrap.Seed);
        var starts = new int[resampler.BlocksPerReplicate];
        var lengths = new int[resampler.BlocksPerReplicate];
        int degenerate = 0;
        // With blocks, the sums over every possible block (full length L and the shorter last one, r) are formed
        // once in O(n), making a replicate O(n/L) instead of O(n).
        int blockLength = Math.Min(bootstrap.BlockLength, n), lastLength = n - (starts.Length - 1) * blockLength;
        bool tabulate = blockLength > 1;
        double[]? fullW = null, fullP = null, lastW = null, lastP = null;
        if (tabulate)
        {
            int choices = n - blockLength + 1;
            (fullW, fullP) = (WindowSums(w, blockLength, choices), WindowSums(positiveWeight, blockLength, choices));
            (lastW, lastP) = lastLength == blockLength ? (fullW, fullP)
                : (WindowSums(w, lastLength, choices), WindowSums(positiveWeight, lastLength, choices));
        }
        for (int b = 0; b < bootstrap.Resamples; b++)
        {
            resampler.Next(starts, lengths);
            double sw = 0, sp = 0;
            if (tabulate)
                for (int k = 0; k < starts.Length; k++)
                {
                    bool last = k == starts.Length - 1;
                    sw += (last ? lastW! : fullW!)[starts[k]];
                    sp += (last ? lastP! : fullP!)[starts[k]];
                }
            else
                for (int k = 0; k < starts.Length; k++)
                    for (int i = starts[k], end = starts[k] + lengths[k]; i < end; i++)
                    {
                        sw += w[i];
                        sp += positiveWeight[i];
                    }
            if (sw > 0) replicates.Add(Math.Min(1.0, sp / sw));
            else degenerate++;
        }
        if (replicates.Count == 0)
            throw new InvalidOperationException(
                $"{name}: every bootstrap replicate drew only zero-weight samples; no interval can be given.");
        replicates.Sort();
        double pLower = Percentile.OfSorted(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(replicates), bootstrap.LowerQuantile);
        double pUpper = Percentile.OfSorted(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(replicates), bootstrap.UpperQuantile);

        double deltaF = FromPopulation(p);
        double lower = FromPopulation(pUpper), upper = FromPopulation(pLower);
        var coverage = p == 0 ? BasinCoverage.NegativeOnly : p == 1 ? BasinCoverage.PositiveOnly : BasinCoverage.BothBasins;
        return new BasinFreeEnergy(name, p, pLower, pUpper, deltaF, lower, upper, bootstrap.Confidence, replicates.Count,
            bootstrap.BlockLength, samples, positiveSamples, degenerate, coverage, Describe(name, coverage, lower, upper, degenerate, bootstrap.Resamples),
            units?.Count);
    }

    /// <summary>
    /// ΔF for every φ among <paramref name="definitions"/> (in their order), from series-first angles
    /// (<paramref name="series"/>[k] belongs to <paramref name="definitions"/>[k], as <see cref="Dihedrals.Series"/> returns).
    /// All angles share the weights and the bootstrap settings (and seed).
    /// </summary>
    public static IReadOnlyList<BasinFreeEnergy> PerResidue(IReadOnlyList<DihedralDefinition> definitions, IReadOnlyList<double[]> series,
        double[]? weights = null, BootstrapOptions? bootstrap = null, int[]? families = null)
    {
        ArgumentNullException.ThrowIfNull(definitions);
        ArgumentNullException.ThrowIfNull(series);
        if (definitions.Count != series.Count)
            throw new ArgumentException($"{definitions.Count} definitions but {series.Count} series; they must match.", nameof(series));
        var result = new List<BasinFreeEnergy>();
        for (int k = 0; k < definitions.Count; k++)
            if (definitions[k].Kind == DihedralKind.Phi)
                result.Add(Estimate(series[k], weights, bootstrap, definitions[k].Label, families));
        return result;
    }

    /// <summary>ΔF for every residue with a φ in <paramref name="topology"/>, from frames (weights one per frame).</summary>
    public static IReadOnlyList<BasinFreeEnergy> PerResidue(Frames frames, Topology topology, double[]? weights = null, BootstrapOptions? bootstrap = null)
    {
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentNullException.ThrowIfNull(topology);
        var phis = BackboneDihedrals.Of(topology).Where(d => d.Kind == DihedralKind.Phi).ToList();
        return PerResidue(phis, Dihedrals.Series(frames, phis), weights, bootstrap);
    }

    /// <summary>
    /// sums[s] = Σ values[s … s+length−1] for s &lt; count, in O(n). Not as differences of global prefix sums, which
    /// lose all precision when non-negative importance weights span many orders of magnitude: with chunks of
    /// <paramref name="length"/> aligned at 0, a window is the suffix of one chunk plus the prefix of the next, and
    /// both are sums of non-negative terms (relative error O(length·ε), no cancellation).
    /// </summary>
    private static double[] WindowSums(double[] values, int length, int count)
    {
        int n = values.Length;
        var prefix = new double[n];
        var suffix = new double[n];
        for (int chunk = 0; chunk < n; chunk += length)
        {
            int end = Math.Min(chunk + length, n);
            double sum = 0;
            for (int i = chunk; i < end; i++) prefix[i] = sum += values[i];
            sum = 0;
            for (int i = end - 1; i >= chunk; i--) suffix[i] = sum += values[i];
        }
        var sums = new double[count];
        for (int s = 0; s < count; s++)
        {
            int last = s + length - 1;
            sums[s] = s % length == 0 ? prefix[last] : suffix[s] + prefix[last];
        }
        return sums;
    }

    private static bool IsPositiveFinite(double angle) => double.IsFinite(angle) && BasinPopulations.IsPositive(angle);

    private static string? Describe(string name, BasinCoverage coverage, double lower, double upper, int degenerate, int resamples)
    {
        var parts = new List<string>();
        if (coverage == BasinCoverage.NegativeOnly)
            parts.Add($"{name}: no weight in φ>0, so P(φ>0) = 0 and ΔF = +∞ (the φ>0 basin was not sampled)");
        else if (coverage == BasinCoverage.PositiveOnly)
            parts.Add($"{name}: all weight in φ>0, so P(φ>0) = 1 and ΔF = −∞ (the φ<0 basin was not sampled)");
        else if (!double.IsFinite(lower) || !double.IsFinite(upper))
            parts.Add($"{name}: the confidence interval [{Format(lower)}, {Format(upper)}] is unbounded because bootstrap replicates saw only one basin");
        if (degenerate > 0)
            parts.Add($"{degenerate} of {resamples} bootstrap replicates drew only zero-weight samples and were left out");
        return parts.Count == 0 ? null : string.Join("; ", parts) + ".";
    }

    private static string Format(double x) =>
        double.IsPositiveInfinity(x) ? "+∞" : double.IsNegativeInfinity(x) ? "−∞" : x.ToString("G4", System.Globalization.CultureInfo.InvariantCulture);
}
