using BoltzmannGen.Data;
using ScottPlot;
using SkiaSharp;

namespace BoltzmannGen.Reporting;

/// <summary>
/// Shared look of every report plot and PNG output. The font family is set explicitly: ScottPlot renders
/// headless with no system library but a font in /usr/share/fonts, and without one every label silently
/// disappears (docs/design.md §8.3; tools/setup.sh installs fonts-dejavu-core).
/// </summary>
public static class FigureStyle
{
    public const string FontFamily = "DejaVu Sans";
    public const float TitleSize = 18;
    public const float LabelSize = 16;
    public const float TickSize = 14;
    public const float LegendSize = 14;

    /// <summary>Series colours by role; index i of a multi-series plot takes Palette[i % n].</summary>
    public static readonly Color[] Palette =
    [
        Color.FromHex("#1f77b4"), // MD
        Color.FromHex("#ff7f0e"), // flow (unweighted)
        Color.FromHex("#2ca02c"), // flow (reweighted)
        Color.FromHex("#9467bd"), // teacher / extra
        Color.FromHex("#d62728"),
        Color.FromHex("#8c564b"),
    ];

    public static Color SeriesColor(int i) => Palette[i % Palette.Length];

    /// <summary>A plot with the report's font and sizes.</summary>
    public static Plot NewPlot()
    {
        var p = new Plot();
        Apply(p);
        return p;
    }

    public static void Apply(Plot p)
    {
        p.Font.Set(FontFamily);
        p.Axes.Title.Label.FontSize = TitleSize;
        p.Axes.Title.Label.FontName = FontFamily;
        foreach (var axis in new IAxis[] { p.Axes.Bottom, p.Axes.Left, p.Axes.Right, p.Axes.Top })
        {
            axis.Label.FontSize = LabelSize;
            axis.Label.FontName = FontFamily;
            axis.TickLabelStyle.FontSize = TickSize;
            axis.TickLabelStyle.FontName = FontFamily;
        }
        p.Legend.FontSize = LegendSize;
        p.Legend.FontName = FontFamily;
    }

    /// <summary>Renders one plot to PNG bytes on a white background.</summary>
    public static byte[] RenderPng(Plot plot, int width, int height) =>
        Compose(width, height, null, [(plot, new PixelRect(0, width, height, 0))]);

    /// <summary>Renders one plot and writes it atomically (temporary file in the same folder, then a rename).</summary>
    public static void SavePng(Plot plot, string path, int width, int height) =>
        WriteBytes(path, RenderPng(plot, width, height));

    public static void WriteBytes(string path, byte[] bytes) => AtomicFile.Write(path, s => s.Write(bytes));

    /// <summary>
    /// Renders several plots into one image, each into its pixel rectangle, with an optional title centred in
    /// the top band (the caller leaves room for it), and returns the PNG bytes.
    /// </summary>
    public static byte[] Compose(int width, int height, string? title, IReadOnlyList<(Plot Plot, PixelRect Rect)> parts)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), "image size must be positive");
        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException($"could not create a {width}×{height} drawing surface");
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        foreach (var (plot, rect) in parts)
        {
            canvas.Save();
            canvas.ClipRect(new SKRect(rect.Left, rect.Top, rect.Right, rect.Bottom));
            plot.Render(canvas, rect);
            canvas.Restore();
        }
        if (!string.IsNullOrEmpty(title))
        {
            using var typeface = SKTypeface.FromFamilyName(FontFamily, SKFontStyle.Bold);
            using var font = new SKFont(typeface, 22);
            using var paint = new SKPaint { Color = SKColors.Black, IsAntialias = true };
            canvas.DrawText(title, width / 2f, 34, SKTextAlign.Center, font, paint);
        }
        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
