using BoltzmannGen.Optimisation;
using BoltzmannGen.Reporting;
using BoltzmannGen.Tests.Support;
using ScottPlot;
using SkiaSharp;
using static BoltzmannGen.Tests.Reporting.ReportFixtures;

namespace BoltzmannGen.Tests.Reporting;

public class PlotTests
{
    private static readonly string[] Labels3 = ["MD", "flow (unweighted)", "flow (reweighted)", "teacher (CNF)"];

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    public void Ramachandran_figure_is_a_valid_nontrivial_png_of_the_documented_size(int panels)
    {
        using var dir = new TempDir();
        string path = dir.File($"rama_{panels}.png");
        var list = Enumerable.Range(0, panels).Select(k => new RamachandranPanel(Labels3[k], Basins(shift: 15 * k))).ToList();
        Plots.WriteRamachandran(path, "ALA 2", list);
        var (w, h) = Plots.RamachandranSize(panels);
        AssertNonTrivialPng(path, w, h);
        Assert.Equal([Path.GetFileName(path)], dir.Files());
        Keep(path);
    }

    [Fact]
    public void Ramachandran_rejects_zero_or_five_panels_and_mismatched_grids()
    {
        Assert.Throws<ArgumentException>(() => Plots.RenderRamachandran("x", []));
        Assert.Throws<ArgumentException>(() => Plots.RenderRamachandran("x", Enumerable.Repeat(new RamachandranPanel("a", Basins(10)), 5).ToList()));
        var bad = new FreeEnergyGrid(Edges(4), Edges(5), new double[4, 4]);
        Assert.Throws<ArgumentException>(() => Plots.BuildRamachandranPanel(bad, "bad", true));
    }

    [Fact]
    public void Heatmap_maps_0_and_6_to_the_colormap_ends_and_leaves_bins_above_6_and_empty_bins_background()
    {
        // 4×4 bins of 90°; column j = 0 (ψ in [−180, −90)) holds the test cells, the rest is 3 k_BT.
        var v = new double[4, 4];
        for (int i = 0; i < 4; i++) for (int j = 0; j < 4; j++) v[i, j] = 3;
        v[0, 0] = 0; v[1, 0] = 6; v[2, 0] = 10; v[3, 0] = double.NaN;
        v[0, 3] = double.PositiveInfinity;
        var plot = Plots.BuildRamachandranPanel(new FreeEnergyGrid(Edges(4), Edges(4), v), "scale", colorBar: true);
        const int W = 700, H = 600;
        using var bmp = Decode(FigureStyle.RenderPng(plot, W, H));

        SKColor At(double phi, double psi)
        {
            var px = plot.GetPixel(new ScottPlot.Coordinates(phi, psi));
            return bmp.GetPixel((int)Math.Round(px.X), (int)Math.Round(px.Y));
        }
        static SKColor Sk(ScottPlot.Color c) => new(c.R, c.G, c.B, c.A);

        var low = Sk(Plots.FreeEnergyColormap.GetColor(0));
        var high = Sk(Plots.FreeEnergyColormap.GetColor(1));
        Assert.False(Close(low, high, 30), "colour map ends must differ");
        Assert.True(Close(At(-135, -135), low), $"0 k_BT cell is {At(-135, -135)}, expected {low}");
        Assert.True(Close(At(-45, -135), high), $"6 k_BT cell is {At(-45, -135)}, expected {high}");
        Assert.True(Close(At(45, -135), SKColors.White, 0), $"10 k_BT cell is {At(45, -135)}, expected the white background");
        Assert.True(Close(At(-135, 135), SKColors.White, 0), $"+inf cell is {At(-135, 135)}, expected the white background");
        Assert.True(Close(At(135, -135), SKColors.White, 0), $"empty cell is {At(135, -135)}, expected the white background");
        var mid = Sk(Plots.FreeEnergyColormap.GetColor(0.5));
        Assert.True(Close(At(0, 45), mid), $"3 k_BT cell is {At(0, 45)}, expected {mid}");
    }

    [Fact]
    public void Axis_labels_and_titles_render_so_a_missing_font_is_caught()
    {
        var profile = new Profile1D("MD", [-150, -90, -30, 30, 90, 150], [1, 0, 2, 5, 4, 3]);
        const int W = 900, H = 700;
        var with = Plots.BuildFreeEnergyProfile("profile", [profile]);
        using var a = Decode(FigureStyle.RenderPng(with, W, H));
        var without = Plots.BuildFreeEnergyProfile("profile", [profile]);
        without.XLabel("");
        without.YLabel("");
        without.Title("");
        using var b = Decode(FigureStyle.RenderPng(without, W, H));
        // x label sits in the bottom band, y label in the left band, title in the top band.
        Assert.True(DifferingPixels(a, b, new SKRectI(W / 4, H - 35, 3 * W / 4, H)) > 50, "x label did not render");
        Assert.True(DifferingPixels(a, b, new SKRectI(0, H / 4, 30, 3 * H / 4)) > 50, "y label did not render");
        Assert.True(DifferingPixels(a, b, new SKRectI(W / 4, 0, 3 * W / 4, 35)) > 50, "title did not render");

        // The composed figure's own title (drawn with SkiaSharp) renders too.
        var panel = new RamachandranPanel("MD", Basins(20));
        using var t1 = Decode(Plots.RenderRamachandran("ALA 2", [panel]));
        using var t0 = Decode(Plots.RenderRamachandran("", [panel]));
        Assert.True(DifferingPixels(t1, t0, new SKRectI(0, 0, t1.Width, Plots.RamaTitleBand)) > 50, "figure title did not render");
    }

    [Fact]
    public void Profile_energy_logweight_and_training_plots_are_valid_pngs()
    {
        using var dir = new TempDir();
        var centres = Enumerable.Range(0, 36).Select(i => -175.0 + 10 * i).ToArray();
        var md = centres.Select(c => 2 + 2 * Math.Cos((c + 80) * Math.PI / 180)).ToArray();
        var flow = md.Select((v, i) => v + 0.3 * Math.Sin(i)).ToArray();
        flow[20] = double.PositiveInfinity; // an empty bin: left out, no exception
        var prof = dir.File("profile.png");
        Plots.WriteFreeEnergyProfile(prof, "ALA 2: F(φ)",
        [
            new Profile1D("MD", centres, md, md.Select(v => v - 0.2).ToArray(), md.Select(v => v + 0.2).ToArray()),
            new Profile1D("flow (reweighted)", centres, flow, flow.Select(v => v - 0.5).ToArray(), flow.Select(v => v + 0.5).ToArray()),
        ]);
        AssertNonTrivialPng(prof, 900, 700);

        var uMd = Normal(1, 5000, -20, 5);
        var uFlow = Normal(2, 5000, -12, 9).Concat([1e6, double.PositiveInfinity, double.NaN]).ToArray();
        var logW = uFlow.Select((u, i) => double.IsFinite(u) ? -(u - (-12)) * 0.4 + 0.1 * Math.Sin(i) : double.NegativeInfinity).ToArray();
        var energy = dir.File("energy.png");
        Plots.WriteEnergyHistogram(energy,
        [
            new SampleSet("MD", uMd),
            new SampleSet("flow (unweighted)", uFlow),
            SampleSet.FromLogWeights("flow (reweighted)", uFlow, logW),
        ]);
        AssertNonTrivialPng(energy, 900, 700);

        var lw = dir.File("logw.png");
        Plots.WriteLogWeightHistogram(lw, logW, essFraction: 0.0123);
        AssertNonTrivialPng(lw, 900, 700);

        string csv = dir.File("training_log.csv");
        var lines = new List<string> { TrainingLog.Header };
        for (int s = 10; s <= 2000; s += 10)
            lines.Add(s % 200 == 0
                ? $"{s},{10 * Math.Exp(-s / 500.0) + 0.05},0.001,1.5,{12 * Math.Exp(-s / 500.0) + 0.08},{-50 + 100 * Math.Exp(-s / 400.0)},30,{s / 30.0}"
                : $"{s},{10 * Math.Exp(-s / 500.0) + 0.05},0.001,1.5,,,30,{s / 30.0}");
        File.WriteAllLines(csv, lines);
        var rows = Plots.ReadTrainingLog(csv);
        Assert.Equal(200, rows.Count);
        Assert.Null(rows[0].ValNll);
        Assert.NotNull(rows[19].ValNll);
        var train = dir.File("training.png");
        Plots.WriteTrainingCurves(train, csv);
        AssertNonTrivialPng(train, 1600, 600);

        // No temporary files are left behind by the atomic writes.
        Assert.Equal(["energy.png", "logw.png", "profile.png", "training.png", "training_log.csv"], dir.Files());
        foreach (var f in new[] { prof, energy, lw, train }) Keep(f);
    }

    [Fact]
    public void Training_curves_mark_the_kept_step_on_both_panels_and_only_when_given()
    {
        var rows = Enumerable.Range(1, 40).Select(s => new TrainingLogRow(50 * s, 1.0 / s, 1e-3, 1, 2.0 / s, -3 + 0.01 * (s - 8) * (s - 8), 10, s)).ToList();
        var (loss, nll) = Plots.BuildTrainingCurves(rows, "FORT", keptStep: 400);
        foreach (var panel in new[] { loss, nll })
        {
            var marks = panel.GetPlottables().OfType<ScottPlot.Plottables.VerticalLine>().ToArray();
            Assert.Single(marks);
            Assert.Equal(400, marks[0].X);
            Assert.Contains("step 400", marks[0].LegendText);
        }
        var (plainLoss, plainNll) = Plots.BuildTrainingCurves(rows, "FORT");
        Assert.Empty(plainLoss.GetPlottables().OfType<ScottPlot.Plottables.VerticalLine>());
        Assert.Empty(plainNll.GetPlottables().OfType<ScottPlot.Plottables.VerticalLine>());
    }

    [Fact]
    public void Training_curves_with_negative_loss_and_no_validation_still_render()
    {
        using var dir = new TempDir();
        var rows = Enumerable.Range(1, 50).Select(s => new TrainingLogRow(s, 5 - 0.2 * s, 1e-3, 1, null, null, 10, s)).ToList();
        string path = dir.File("mle.png");
        Plots.WriteTrainingCurves(path, rows, "MLE");
        AssertNonTrivialPng(path, 1600, 600);
        Keep(path);
    }

    [Fact]
    public void Weighted_histogram_normalises_by_total_weight_and_counts_outside_and_dropped()
    {
        var set = new SampleSet("s", [0.5, 1.5, 1.5, 5, double.NaN, 2.5], [1, 1, 2, 4, 1, 0]);
        var h = Plots.Histogram(set, 0, 3, 3);
        // Total finite positive weight 8; bins of width 1.
        Assert.Equal([1 / 8.0, 3 / 8.0, 0], h.Density);
        Assert.Equal(0.5, h.OutsideFraction, 12);
        Assert.Equal(2, h.Dropped); // NaN value, zero weight
        var (lo, hi) = Plots.RobustRange([new SampleSet("md", Enumerable.Range(0, 1001).Select(i => (double)i).Append(1e9).ToArray())]);
        Assert.InRange(lo, -110, -90);
        Assert.InRange(hi, 1090, 1110);
    }
}
