namespace BoltzmannGen.Analysis;

/// <summary>
/// E-W1 / E-W2 (docs/design.md §7.2): the 1-D Wasserstein distance between two empirical distributions of reduced
/// energies u = E/k_BT (so the result is in k_BT), e.g. MD test frames against reweighted flow samples.
/// <para>In one dimension the optimal coupling is monotone, so
/// W_p(a, b)^p = ∫₀¹ |F_a⁻¹(t) − F_b⁻¹(t)|^p dt exactly, with F⁻¹ the (step) quantile functions of the two
/// weighted empirical distributions. Both quantile functions are piecewise constant with breaks at the
/// cumulative weights, so the integral is a finite sum over the merged breaks: O(n log n) for the sorts,
/// O(n_a + n_b) for the merge. For equal-size unweighted samples this is mean_i |a_(i) − b_(i)|^p over the
/// sorted values.</para>
/// <para>Weights follow the shared convention (see <c>SampleWeights</c>): optional, self-normalised,
/// finite and ≥ 0, not all zero; zero-weight samples are dropped and may hold NaN/±∞; a non-finite energy
/// with positive weight (or without weights) throws <see cref="ArgumentException"/> naming the argument.</para>
/// </summary>
public static class EnergyWasserstein
{
    /// <summary>Wasserstein-1 distance between the (weighted) empirical distributions of <paramref name="a"/> and <paramref name="b"/>.</summary>
    public static double W1(double[] a, double[] b, double[]? weightsA = null, double[]? weightsB = null) =>
        Distance(a, b, 1, weightsA, weightsB);

    /// <summary>Wasserstein-2 distance between the (weighted) empirical distributions of <paramref name="a"/> and <paramref name="b"/>.</summary>
    public static double W2(double[] a, double[] b, double[]? weightsA = null, double[]? weightsB = null) =>
        Distance(a, b, 2, weightsA, weightsB);

    /// <summary>
    /// Wasserstein-p distance (p ≥ 1) between the (weighted) empirical distributions of <paramref name="a"/>
    /// and <paramref name="b"/>: (∫₀¹ |F_a⁻¹(t) − F_b⁻¹(t)|^p dt)^(1/p).
    /// </summary>
    public static double Distance(double[] a, double[] b, double p, double[]? weightsA = null, double[]? weightsB = null)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (!(p >= 1) || double.IsInfinity(p))
            throw new ArgumentOutOfRangeException(nameof(p), p, "p must be a finite number ≥ 1.");
        var (va, ca) = SortedWithCumulative(a, weightsA, nameof(a), nameof(weightsA));
        var (vb, cb) = SortedWithCumulative(b, weightsB, nameof(b), nameof(weightsB));

        // Walk the merged breaks of the two step quantile functions: on (t, min(ca[i], cb[j])] they are va[i], vb[j].
        double sum = 0, t = 0;
        int i = 0, j = 0;
        while (i < va.Length && j < vb.Length)
        {
            double next = Math.Min(ca[i], cb[j]);
            double width = next - t;
            if (width > 0)
            {
                double d = Math.Abs(va[i] - vb[j]);
                sum += width * (p == 1 ? d : p == 2 ? d * d : Math.Pow(d, p));
                t = next;
            }
            if (ca[i] <= next) i++;
            if (cb[j] <= next) j++;
        }
        return p == 1 ? sum : p == 2 ? Math.Sqrt(sum) : Math.Pow(sum, 1 / p);
    }

    /// <summary>
    /// The positive-weight values sorted ascending, with their normalised cumulative weights (the last exactly 1).
    /// </summary>
    private static (double[] Values, double[] Cumulative) SortedWithCumulative(double[] values, double[]? weights,
        string valuesName, string weightsName)
    {
        var w = SampleWeights.Resolve(values.Length, weights, weightsName, valuesName);
        SampleWeights.RequireFinite(values, w, valuesName, "energy");
        int m = 0;
        for (int i = 0; i < w.Length; i++) if (w[i] > 0) m++;
        var v = new double[m];
        var c = new double[m];
        for (int i = 0, k = 0; i < w.Length; i++)
            if (w[i] > 0) { v[k] = values[i]; c[k] = w[i]; k++; }
        Array.Sort(v, c);
        double total = 0;
        for (int k = 0; k < m; k++) total += c[k];
        double running = 0;
        for (int k = 0; k < m; k++)
        {
            running += c[k];
            c[k] = running / total;
        }
        c[m - 1] = 1.0; // rounding must not leave a sliver of (c[m−1], 1] uncovered
        return (v, c);
    }
}
