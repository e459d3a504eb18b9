using System.Numerics;
using MathNet.Numerics.IntegralTransforms;

namespace BoltzmannGen.Analysis;

/// <summary>Integrated autocorrelation time of a series, the Sokal window it used, and the effective sample count.</summary>
/// <param name="Tau">τ_int = 1 + 2 Σ_{t=1}^{W} ρ(t), in units of the sampling interval.</param>
/// <param name="Window">The window W actually summed.</param>
/// <param name="Count">N, the length of the series.</param>
/// <param name="EffectiveSampleCount">N / τ_int clamped to [1, N]; N when τ_int ≤ 0.</param>
public sealed record IntegratedAutocorrelation(double Tau, int Window, int Count, double EffectiveSampleCount);

/// <summary>
/// Autocorrelation of a scalar time series (an energy, a dihedral's cosine) to decide how many MD frames are
/// independent. ρ(t) = C(t)/C(0) with the standard biased estimator C(t) = (1/N) Σ_{s=0}^{N−1−t} δx_s δx_{s+t},
/// δx = x − mean: dividing by N rather than N−t keeps the estimate positive semidefinite and damps the noisy
/// tail. Computed by FFT in O(N log N).
/// </summary>
public static class Autocorrelation
{
    /// <summary>Sokal's window constant: the window grows until W ≥ c·τ_int(W).</summary>
    public const double DefaultWindowFactor = 5.0;

    /// <summary>
    /// ρ(t) for t = 0 … N−1 (ρ(0) = 1). A constant series has no fluctuation to correlate; it returns ρ = (1, 0, 0, …),
    /// i.e. uncorrelated, so that τ_int = 1 instead of NaN.
    /// </summary>
    public static double[] Function(ReadOnlySpan<double> series)
    {
        int n = series.Length;
        if (n == 0) throw new ArgumentException("Autocorrelation of an empty series.", nameof(series));
        double mean = 0;
        bool constant = true;
        foreach (double x in series)
        {
            if (!double.IsFinite(x)) throw new ArgumentException("Autocorrelation of a series with non-finite values.", nameof(series));
            mean += x;
            constant &= x == series[0];
        }
        mean /= n;
        var rho = new double[n];
        // Tested exactly, before subtracting the mean: x − mean of a constant series can be a rounding residue
        // (≈1e−17) whose "correlation" is meaningless.
        if (constant)
        {
            rho[0] = 1; // constant series (see summary)
            return rho;
        }

        // Zero-pad to a power of two ≥ 2N: the FFT computes a circular correlation, and padding of at least N
        // zeros keeps lag t from wrapping onto lag t − size.
        int size = 1;
        while (size < 2 * n) size <<= 1;
        var buffer = new Complex[size];
        for (int i = 0; i < n; i++) buffer[i] = new Complex(series[i] - mean, 0);

        Fourier.Forward(buffer, FourierOptions.NoScaling);
        for (int i = 0; i < size; i++)
        {
            double re = buffer[i].Real, im = buffer[i].Imaginary;
            buffer[i] = new Complex(re * re + im * im, 0); // |X|² ↔ autocorrelation (Wiener–Khinchin)
        }
        Fourier.Inverse(buffer, FourierOptions.NoScaling); // unscaled: a common factor cancels in C(t)/C(0)

        double c0 = buffer[0].Real;
        for (int t = 0; t < n; t++) rho[t] = buffer[t].Real / c0;
        return rho;
    }

    /// <summary>
    /// τ_int with Sokal's automatic window: the smallest W with W ≥ c·τ_int(W). Below that window the sum is
    /// biased low (correlations cut off); far beyond it the noise of ρ(t) dominates. A constant series gives τ = 1.
    /// The search always ends before N: with the mean subtracted, Σ_{|t|&lt;N} C(t) = (Σ δx)² = 0, so τ_int(N−1) = 0.
    /// A series too short for its correlation time therefore still gets a (too small) τ; judge by N ≫ τ.
    /// A strongly anti-correlated series can give τ_int ≤ 0 (e.g. ±1 alternating stops at W = 1 with τ ≈ −1).
    /// </summary>
    public static IntegratedAutocorrelation Estimate(ReadOnlySpan<double> series, double windowFactor = DefaultWindowFactor)
    {
        if (!(windowFactor > 0)) throw new ArgumentOutOfRangeException(nameof(windowFactor), "The window factor must be positive.");
        var rho = Function(series);
        int n = rho.Length;
        double tau = 1;
        int window = 0;
        for (int w = 1; w < n; w++)
        {
            tau += 2 * rho[w];
            window = w;
            if (w >= windowFactor * tau) break;
        }
        // Anti-correlation never makes samples worth less than independent ones: τ ≤ 0 counts as N_eff = N.
        double effective = tau > 0 ? Math.Clamp(n / tau, 1, n) : n;
        return new IntegratedAutocorrelation(tau, window, n, effective);
    }

    /// <summary>τ_int in units of the sampling interval (see <see cref="Estimate"/>).</summary>
    public static double IntegratedTime(ReadOnlySpan<double> series, double windowFactor = DefaultWindowFactor) =>
        Estimate(series, windowFactor).Tau;

    /// <summary>N / τ_int, clamped to [1, N].</summary>
    public static double EffectiveSampleCount(ReadOnlySpan<double> series, double windowFactor = DefaultWindowFactor) =>
        Estimate(series, windowFactor).EffectiveSampleCount;
}
