namespace BoltzmannGen.Coordinates;

/// <summary>Fitting the standardisation, and encoding or decoding many frames in parallel.</summary>
public sealed partial class InternalCoordinateMap
{
    // Below this many frames the thread start-up costs more than the work.
    private const int ParallelFrames = 256;

    /// <summary>
    /// Fits the standardisation to <paramref name="frameCount"/> conformations ([n, N, 3] nm, need not be centred):
    /// mean and std for bonds and angles; for periodic angles the cut goes into the widest empty gap of the data.
    /// </summary>
    public static InternalCoordinateMap Fit(ZMatrix z, ReadOnlySpan<double> frames, int frameCount)
    {
        ArgumentNullException.ThrowIfNull(z);
        if (frameCount < 1) throw new ArgumentOutOfRangeException(nameof(frameCount), frameCount, "need at least one frame to fit");
        CheckLength(frames.Length, frameCount * 3 * z.Atoms, nameof(frames));
        CheckFinite(frames, frameCount, nameof(frames));

        // Raw coordinates from a map whose standardisation is the identity on the raw value's layout.
        int d = 3 * z.Atoms - 3;
        var raw = new double[frameCount * d];
        var identity = new InternalCoordinateMap(z, new double[d], Enumerable.Repeat(1.0, d).ToArray());
        int bad = ForFrames(frames, frameCount, 3 * z.Atoms, raw, d, (x, q, _) =>
        {
            identity.Raw(x, q);
            foreach (double v in q) if (!double.IsFinite(v)) return false;
            return true;
        });
        if (bad >= 0) throw new ArgumentException($"frame {bad}: degenerate conformation (coincident or collinear atoms)", nameof(frames));

        var kinds = Layout(z.Atoms);
        double[] location = new double[d], scale = new double[d];
        var column = new double[frameCount];
        for (int i = 0; i < d; i++)
        {
            for (int f = 0; f < frameCount; f++) column[f] = raw[f * d + i];
            (location[i], scale[i]) = kinds[i] switch
            {
                CoordinateKind.Length => MeanStd(column, Standardisation.MinLengthScale),
                CoordinateKind.Angle => MeanStd(column, Standardisation.MinAngleScale),
                CoordinateKind.Periodic => FitPeriodic(column),
                _ => (0.0, 1.0),
            };
        }
        return new InternalCoordinateMap(z, location, scale);
    }

    /// <summary>Encodes n frames ([n, N, 3] nm) into y ([n, D]); returns each frame's log|det ∂y/∂z|.</summary>
    public double[] EncodeMany(ReadOnlySpan<double> frames, int n, Span<double> y)
    {
        CheckCount(n);
        CheckLength(frames.Length, n * 3 * Atoms, nameof(frames));
        CheckLength(y.Length, n * Dimension, nameof(y));
        CheckFinite(frames, n, nameof(frames));
        var logDets = new double[n];
        var output = new double[y.Length];
        int bad = ForFrames(frames, n, 3 * Atoms, output, Dimension, (x, yf, f) => TryEncode(x, yf, out logDets[f]));
        if (bad >= 0) throw new ArgumentException($"frame {bad}: degenerate conformation (coincident or collinear atoms)", nameof(frames));
        output.CopyTo(y);
        return logDets;
    }

    /// <summary>Decodes n rows of y ([n, D]) into centred frames ([n, N, 3] nm); returns each frame's log|det ∂z/∂y|.</summary>
    public double[] DecodeMany(ReadOnlySpan<double> y, int n, Span<double> frames)
    {
        CheckCount(n);
        CheckLength(y.Length, n * Dimension, nameof(y));
        CheckLength(frames.Length, n * 3 * Atoms, nameof(frames));
        CheckFinite(y, n, nameof(y));
        var logDets = new double[n];
        var output = new double[frames.Length];
        ForFrames(y, n, Dimension, output, 3 * Atoms, (yf, x, f) => { logDets[f] = DecodeFrame(yf, x); return true; });
        output.CopyTo(frames);
        return logDets;
    }

    private delegate bool FrameAction(ReadOnlySpan<double> input, Span<double> output, int frame);

    /// <summary>Runs <paramref name="action"/> on every frame (in parallel for many); returns the first failing frame or −1.</summary>
    private static int ForFrames(ReadOnlySpan<double> input, int n, int inStride, double[] output, int outStride, FrameAction action)
    {
        // Spans cannot enter the parallel lambda: one copy of the input is cheap next to the trigonometry.
        double[] source = input.ToArray();
        int firstBad = int.MaxValue;
        void Run(int f)
        {
            if (!action(source.AsSpan(f * inStride, inStride), output.AsSpan(f * outStride, outStride), f))
                InterlockedMin(ref firstBad, f);
        }
        if (n < ParallelFrames) for (int f = 0; f < n; f++) Run(f);
        else Parallel.For(0, n, Run);
        return firstBad == int.MaxValue ? -1 : firstBad;
    }

    private static void InterlockedMin(ref int target, int value)
    {
        int current;
        while (value < (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current) { }
    }

    private static (double, double) MeanStd(double[] values, double floor)
    {
        double mean = values.Average();
        double variance = values.Sum(v => (v - mean) * (v - mean)) / values.Length;
        return (mean, Math.Max(Math.Sqrt(variance), floor));
    }

    /// <summary>
    /// Centre = midpoint of the widest empty arc + π, so the cut (centre + π) falls where there is no data;
    /// s = rms(wrap(value − centre))·√3/π: 1 for a uniform angle (then y is exactly standard normal), and for a
    /// concentrated angle of spread σ a spread of ≈ 0.7 in y (π·erf(s·y/√2) ≈ 2.51·s·y).
    /// </summary>
    private static (double, double) FitPeriodic(double[] values)
    {
        var sorted = values.Select(Geometry.Wrap).Order().ToArray();
        double gap = sorted[0] + 2 * Math.PI - sorted[^1], middle = sorted[^1] + 0.5 * gap; // the gap across ±π
        for (int i = 1; i < sorted.Length; i++)
            if (sorted[i] - sorted[i - 1] > gap)
                (gap, middle) = (sorted[i] - sorted[i - 1], 0.5 * (sorted[i] + sorted[i - 1]));
        double centre = Geometry.Wrap(middle + Math.PI);
        double rms = Math.Sqrt(values.Average(v => Geometry.Wrap(v - centre) * Geometry.Wrap(v - centre)));
        return (centre, Math.Clamp(rms * Math.Sqrt(3) / Math.PI, Standardisation.MinPeriodicScale, Standardisation.MaxPeriodicScale));
    }

    private static void CheckCount(int n)
    {
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), n, "the frame count must not be negative");
    }
}
