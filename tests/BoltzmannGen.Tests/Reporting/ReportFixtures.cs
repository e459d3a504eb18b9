using BoltzmannGen.Reporting;
using SkiaSharp;

namespace BoltzmannGen.Tests.Reporting;

/// <summary>Synthetic inputs and PNG helpers for the reporting tests.</summary>
internal static class ReportFixtures
{
    /// <summary>
    /// When BGEN_REPORT_SAMPLES names a folder, tests also copy their figures there so a person can look at them.
    /// </summary>
    public static void Keep(string file)
    {
        if (Environment.GetEnvironmentVariable("BGEN_REPORT_SAMPLES") is { Length: > 0 } dir)
        {
            Directory.CreateDirectory(dir);
            File.Copy(file, Path.Combine(dir, Path.GetFileName(file)), overwrite: true);
        }
    }

    public static double[] Edges(int n) => Enumerable.Range(0, n + 1).Select(i => -180 + 360.0 * i / n).ToArray();

    /// <summary>A two-basin Ramachandran-like surface (minimum 0), NaN where F would exceed <paramref name="emptyAbove"/>.</summary>
    public static FreeEnergyGrid Basins(int n = 60, double emptyAbove = 9, double shift = 0)
    {
        var e = Edges(n);
        var f = new double[n, n];
        double min = double.PositiveInfinity;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double phi = (e[i] + e[i + 1]) / 2, psi = (e[j] + e[j + 1]) / 2;
                double p = Gauss(phi, psi, -80 + shift, 150, 30, 40, 1.0) + Gauss(phi, psi, -70, -30, 25, 25, 0.7)
                         + Gauss(phi, psi, 60, 40, 15, 20, 0.05) + 1e-6;
                f[i, j] = -Math.Log(p);
                min = Math.Min(min, f[i, j]);
            }
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                f[i, j] -= min;
                if (f[i, j] > emptyAbove) f[i, j] = double.NaN;
            }
        return new FreeEnergyGrid(e, e, f);
    }

    private static double Gauss(double x, double y, double mx, double my, double sx, double sy, double a)
    {
        double dx = Wrap(x - mx), dy = Wrap(y - my);
        return a * Math.Exp(-0.5 * (dx * dx / (sx * sx) + dy * dy / (sy * sy)));
    }

    private static double Wrap(double d) => d - 360 * Math.Round(d / 360);

    public static double[] Normal(int seed, int n, double mean, double sd) =>
        BoltzmannGen.Tests.Analysis.SeededNormal.Draw(seed, n).Select(z => mean + sd * z).ToArray();

    // ---- PNG helpers

    public static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Width and height from the IHDR chunk (which must be the first chunk), after checking the signature.</summary>
    public static (int Width, int Height) PngSize(byte[] png)
    {
        Assert.True(png.Length > 33, "PNG too short");
        Assert.Equal(PngSignature, png[..8]);
        Assert.Equal(13, BigEndian(png, 8));
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4));
        return (BigEndian(png, 16), BigEndian(png, 20));
    }

    private static int BigEndian(byte[] b, int o) => (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];

    public static SKBitmap Decode(byte[] png) => SKBitmap.Decode(png) ?? throw new InvalidOperationException("PNG did not decode");

    public static int DistinctColors(SKBitmap bmp)
    {
        var set = new HashSet<uint>();
        for (int y = 0; y < bmp.Height; y += 2)
            for (int x = 0; x < bmp.Width; x += 2)
                set.Add((uint)bmp.GetPixel(x, y));
        return set.Count;
    }

    /// <summary>Number of pixels that differ between two same-size bitmaps inside a rectangle.</summary>
    public static int DifferingPixels(SKBitmap a, SKBitmap b, SKRectI r)
    {
        Assert.Equal(a.Width, b.Width);
        Assert.Equal(a.Height, b.Height);
        int n = 0;
        for (int y = Math.Max(0, r.Top); y < Math.Min(a.Height, r.Bottom); y++)
            for (int x = Math.Max(0, r.Left); x < Math.Min(a.Width, r.Right); x++)
                if (a.GetPixel(x, y) != b.GetPixel(x, y)) n++;
        return n;
    }

    /// <summary>Asserts a PNG is valid, has the requested size and is not (nearly) a single colour.</summary>
    public static void AssertNonTrivialPng(string path, int width, int height)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.Equal((width, height), PngSize(bytes));
        using var bmp = Decode(bytes);
        Assert.Equal(width, bmp.Width);
        Assert.Equal(height, bmp.Height);
        Assert.True(DistinctColors(bmp) > 20, $"{Path.GetFileName(path)} has only {DistinctColors(bmp)} distinct colours");
    }

    public static bool Close(SKColor a, SKColor b, int tol = 3) =>
        Math.Abs(a.Red - b.Red) <= tol && Math.Abs(a.Green - b.Green) <= tol && Math.Abs(a.Blue - b.Blue) <= tol;
}
