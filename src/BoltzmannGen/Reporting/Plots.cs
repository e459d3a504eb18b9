using System.Globalization;
using BoltzmannGen.Optimisation;
using ScottPlot;

namespace BoltzmannGen.Reporting;

/// <summary>
/// The report's figures (ScottPlot 5, PNG). Every Write* method writes atomically; every Build* method returns
/// the ScottPlot <see cref="Plot"/> so a caller (or a test) can render it elsewhere.
/// </summary>
public static class Plots
{
    /// <summary>Upper end of the free-energy colour scale in k_BT; larger values are drawn in this colour.</summary>
    public const double FreeEnergyMax = 6.0;

    /// <summary>The colour map of free-energy heatmaps: 0 k_BT maps to GetColor(0), 6 k_BT to GetColor(1).</summary>
    public static readonly IColormap FreeEnergyColormap = new ScottPlot.Colormaps.Viridis();

    // Ramachandran panel geometry (pixels): a square data area with fixed margins, so all panels line up.
    public const int RamaData = 420, RamaLeft = 85, RamaRight = 25, RamaTop = 45, RamaBottom = 70, RamaColorBar = 115, RamaTitleBand = 55;

    private static readonly double[] AngleTicks = [-180, -120, -60, 0, 60, 120, 180];

    // ---------------------------------------------------------------- Ramachandran

    /// <summary>
    /// One Ramachandran panel: the grid's values in [0, 6] k_BT as a heatmap (empty bins and bins above 6 k_BT
    /// transparent, so the white background shows: a reweighted panel otherwise paints every bin with a negligible
    /// weight in the top colour), φ and ψ axes from −180° to 180° with ticks every 60°, optional colour bar
    /// labelled k_BT.
    /// </summary>
    public static Plot BuildRamachandranPanel(FreeEnergyGrid grid, string label, bool colorBar, bool showYLabel = true)
    {
        grid.Validate();
        var p = FigureStyle.NewPlot();
        int nx = grid.NX, ny = grid.NY;
        // ScottPlot's heatmap rows run top to bottom; grid index j runs along increasing y.
        var z = new double[ny, nx];
        for (int i = 0; i < nx; i++)
            for (int j = 0; j < ny; j++)
            {
                double v = grid.Values[i, j];
                z[ny - 1 - j, i] = double.IsNaN(v) || v > FreeEnergyMax ? double.NaN : Math.Max(v, 0);
            }
        var hm = p.Add.Heatmap(z);
        hm.Colormap = FreeEnergyColormap;
        hm.ManualRange = new ScottPlot.Range(0, FreeEnergyMax);
        hm.NaNCellColor = Colors.Transparent;
        hm.Smooth = false;
        hm.Rectangle = new CoordinateRect(grid.XEdges[0], grid.XEdges[^1], grid.YEdges[0], grid.YEdges[^1]);
        if (colorBar)
        {
            var cb = p.Add.ColorBar(hm);
            cb.Label = "k_BT";
            cb.LabelStyle.FontSize = FigureStyle.LabelSize;
            cb.LabelStyle.FontName = FigureStyle.FontFamily;
            cb.Axis.TickLabelStyle.FontSize = FigureStyle.TickSize;
            cb.Axis.TickLabelStyle.FontName = FigureStyle.FontFamily;
        }
        p.Axes.SetLimits(-180, 180, -180, 180);
        SetAngleTicks(p.Axes.Bottom);
        SetAngleTicks(p.Axes.Left);
        p.HideGrid();
        p.Title(label);
        p.XLabel("φ (degrees)");
        p.YLabel(showYLabel ? "ψ (degrees)" : "");
        p.Layout.Fixed(new PixelPadding(RamaLeft, RamaRight + (colorBar ? RamaColorBar : 0), RamaBottom, RamaTop));
        return p;
    }

    /// <summary>Pixel size of a Ramachandran figure with <paramref name="panels"/> panels.</summary>
    public static (int Width, int Height) RamachandranSize(int panels) =>
        (panels * (RamaLeft + RamaData + RamaRight) + RamaColorBar, RamaTitleBand + RamaTop + RamaData + RamaBottom);

    /// <summary>
    /// Side-by-side Ramachandran panels (1–4: MD, flow unweighted, flow reweighted, teacher …) under one title
    /// naming the residue, one shared colour scale 0–6 k_BT with its bar on the right.
    /// </summary>
    public static void WriteRamachandran(string path, string title, IReadOnlyList<RamachandranPanel> panels) =>
        FigureStyle.WriteBytes(path, RenderRamachandran(title, panels));

    public static byte[] RenderRamachandran(string title, IReadOnlyList<RamachandranPanel> panels)
    {
        if (panels.Count is < 1 or > 4) throw new ArgumentException($"a Ramachandran figure takes 1 to 4 panels, got {panels.Count}");
        var (width, height) = RamachandranSize(panels.Count);
        var parts = new List<(Plot, PixelRect)>();
        int x = 0, panelWidth = RamaLeft + RamaData + RamaRight;
        for (int k = 0; k < panels.Count; k++)
        {
            bool last = k == panels.Count - 1;
            var plot = BuildRamachandranPanel(panels[k].Grid, panels[k].Label, colorBar: last, showYLabel: k == 0);
            int w = panelWidth + (last ? RamaColorBar : 0);
            parts.Add((plot, new PixelRect(x, x + w, height, RamaTitleBand)));
            x += w;
        }
        return FigureStyle.Compose(width, height, title, parts);
    }

    private static void SetAngleTicks(IAxis axis) =>
        axis.SetTicks(AngleTicks, AngleTicks.Select(a => a.ToString("0", CultureInfo.InvariantCulture)).ToArray());

    // ---------------------------------------------------------------- 1-D free-energy profile

    /// <summary>
    /// Free-energy profiles along φ (degrees, −180…180, ticks every 60°) with shaded confidence bands and a legend.
    /// Sparse bins (<see cref="ProfileRange"/>) are hollow markers without a band; the y-axis ends
    /// <see cref="ProfileRange.Headroom"/> above the highest well-sampled bin of profiles[<paramref name="reference"/>].
    /// </summary>
    public static Plot BuildFreeEnergyProfile(string title, IReadOnlyList<Profile1D> profiles, string xLabel = "φ (degrees)", int reference = 0)
    {
        var p = FigureStyle.NewPlot();
        for (int k = 0; k < profiles.Count; k++)
        {
            var prof = profiles[k];
            int n = prof.Centres.Length;
            if (prof.Values.Length != n || (prof.Lower?.Length ?? n) != n || (prof.Upper?.Length ?? n) != n || (prof.EffectiveCounts?.Length ?? n) != n)
                throw new ArgumentException($"profile {prof.Label}: centres, values, band and effective counts must have the same length");
            var color = FigureStyle.SeriesColor(k);
            // Empty bins (NaN) break the line and the band: joining across them would draw a free energy where no
            // sample was seen. Sparse bins break them too and get a hollow marker instead.
            bool first = true;
            foreach (var run in Runs(n, i => ProfileRange.IsWellSampled(prof, i)))
            {
                if (prof.Lower is { } lo && prof.Upper is { } hi)
                {
                    var band = run.Where(i => double.IsFinite(lo[i]) && double.IsFinite(hi[i])).ToArray();
                    if (band.Length >= 2)
                    {
                        var fill = p.Add.FillY(band.Select(i => prof.Centres[i]).ToArray(), band.Select(i => lo[i]).ToArray(), band.Select(i => hi[i]).ToArray());
                        fill.FillStyle.Color = color.WithAlpha(0.25);
                        fill.LineStyle.Width = 0;
                    }
                }
                var line = p.Add.Scatter(run.Select(i => prof.Centres[i]).ToArray(), run.Select(i => prof.Values[i]).ToArray());
                line.Color = color;
                line.LineWidth = 2.5f;
                line.MarkerSize = run.Length == 1 ? 6 : 0;
                if (first) line.LegendText = prof.Label + (prof.Lower is not null && prof.Upper is not null ? " (band: CI)" : "");
                first = false;
            }
            var sparse = Enumerable.Range(0, n).Where(i => ProfileRange.IsSparse(prof, i)).ToArray();
            if (sparse.Length > 0)
            {
                var markers = p.Add.Scatter(sparse.Select(i => prof.Centres[i]).ToArray(), sparse.Select(i => prof.Values[i]).ToArray());
                markers.Color = color;
                markers.LineWidth = 0;
                markers.MarkerShape = MarkerShape.OpenCircle;
                markers.MarkerSize = 7;
                markers.MarkerLineWidth = 1.5f;
                markers.LegendText = $"{prof.Label}: bins with < {ProfileRange.MinEffectiveSamples:0} effective samples";
            }
        }
        var (bottom, top) = ProfileRange.Limits(profiles, reference);
        p.Axes.SetLimits(-180, 180, bottom, top);
        SetAngleTicks(p.Axes.Bottom);
        p.Title(title);
        p.XLabel(xLabel);
        p.YLabel("free energy (k_BT)");
        p.ShowLegend(Alignment.UpperLeft);
        return p;
    }

    /// <summary>Maximal runs of consecutive indices in [0, n) for which <paramref name="keep"/> holds.</summary>
    private static IEnumerable<int[]> Runs(int n, Func<int, bool> keep)
    {
        var run = new List<int>();
        for (int i = 0; i <= n; i++)
        {
            if (i < n && keep(i)) { run.Add(i); continue; }
            if (run.Count > 0) yield return run.ToArray();
            run.Clear();
        }
    }

    public static void WriteFreeEnergyProfile(string path, string title, IReadOnlyList<Profile1D> profiles, int width = 900, int height = 700) =>
        FigureStyle.SavePng(BuildFreeEnergyProfile(title, profiles), path, width, height);

    // ---------------------------------------------------------------- histograms

    /// <summary>Histogram of one sample set on fixed bins, as a density normalised by the set's total weight.</summary>
    public sealed record HistogramResult(double[] Edges, double[] Density, double OutsideFraction, int Dropped);

    /// <summary>
    /// Weighted density histogram on <paramref name="bins"/> equal bins over [lo, hi]. The density is normalised by
    /// the total weight of all finite samples, including those outside [lo, hi] (their weight share is
    /// <see cref="HistogramResult.OutsideFraction"/>), so sets with different tails stay comparable. Samples with a
    /// non-finite value or a non-finite or non-positive weight are dropped and counted.
    /// </summary>
    public static HistogramResult Histogram(SampleSet set, double lo, double hi, int bins)
    {
        if (!(hi > lo) || bins < 1) throw new ArgumentException("histogram needs hi > lo and at least one bin");
        if (set.Weights is { } ws && ws.Length != set.Values.Length)
            throw new ArgumentException($"{set.Label}: {set.Values.Length} values but {ws.Length} weights");
        var edges = Enumerable.Range(0, bins + 1).Select(i => lo + (hi - lo) * i / bins).ToArray();
        var sum = new double[bins];
        double total = 0, outside = 0, width = (hi - lo) / bins;
        int dropped = 0;
        for (int i = 0; i < set.Values.Length; i++)
        {
            double v = set.Values[i], w = set.Weights?[i] ?? 1.0;
            if (!double.IsFinite(v) || !double.IsFinite(w) || w <= 0) { dropped++; continue; }
            total += w;
            if (v < lo || v > hi) { outside += w; continue; }
            int b = Math.Min(bins - 1, (int)((v - lo) / width));
            sum[b] += w;
        }
        var density = sum.Select(s => total > 0 ? s / (total * width) : 0).ToArray();
        return new HistogramResult(edges, density, total > 0 ? outside / total : 0, dropped);
    }

    /// <summary>
    /// Robust shared range: the reference set's 0.1 % and 99.9 % quantiles of finite values, widened by 10 % of
    /// their span on each side (±1 when the span is zero). Falls back to the first non-empty set.
    /// </summary>
    public static (double Lo, double Hi) RobustRange(IReadOnlyList<SampleSet> sets, int reference = 0)
    {
        foreach (var set in new[] { sets[reference] }.Concat(sets))
        {
            var v = set.Values.Where(double.IsFinite).Order().ToArray();
            if (v.Length == 0) continue;
            double lo = Quantile(v, 0.001), hi = Quantile(v, 0.999), span = hi - lo;
            return span > 0 ? (lo - 0.1 * span, hi + 0.1 * span) : (lo - 1, hi + 1);
        }
        return (0, 1);
    }

    private static double Quantile(double[] sorted, double q)
    {
        double pos = q * (sorted.Length - 1);
        int i = (int)Math.Floor(pos);
        int j = Math.Min(i + 1, sorted.Length - 1);
        return sorted[i] + (pos - i) * (sorted[j] - sorted[i]);
    }

    /// <summary>
    /// Overlaid, semi-transparent density histograms on shared bins (see <see cref="RobustRange"/>, reference =
    /// set <paramref name="reference"/>, normally MD). Each legend entry states the weight share outside the range
    /// and the number of dropped samples (non-finite value or zero weight), so nothing disappears silently.
    /// </summary>
    public static Plot BuildHistograms(string title, string xLabel, IReadOnlyList<SampleSet> sets, int bins = 80, int reference = 0,
                                       (double Lo, double Hi)? range = null, string droppedText = "non-finite or w = 0 not shown")
    {
        if (sets.Count == 0) throw new ArgumentException("no sample sets to plot");
        var (lo, hi) = range ?? RobustRange(sets, reference);
        var p = FigureStyle.NewPlot();
        double top = 0;
        for (int k = 0; k < sets.Count; k++)
        {
            var h = Histogram(sets[k], lo, hi, bins);
            top = Math.Max(top, h.Density.Max());
            var color = FigureStyle.SeriesColor(k);
            double width = (hi - lo) / bins;
            var bars = Enumerable.Range(0, bins).Select(b => new Bar
            {
                Position = (h.Edges[b] + h.Edges[b + 1]) / 2,
                Value = h.Density[b],
                Size = width,
                FillColor = color.WithAlpha(0.3),
                LineWidth = 0,
            }).ToList();
            p.Add.Bars(bars);
            // Outline as a step line so overlapping sets stay distinguishable; this carries the legend entry.
            var ys = h.Density.Append(h.Density[^1]).ToArray();
            var outline = p.Add.Scatter(h.Edges, ys);
            outline.ConnectStyle = ConnectStyle.StepHorizontal;
            outline.Color = color;
            outline.LineWidth = 2;
            outline.MarkerSize = 0;
            var notes = new List<string>();
            if (h.OutsideFraction > 0) notes.Add($"{FormatPercent(h.OutsideFraction)} outside range");
            if (h.Dropped > 0) notes.Add($"{h.Dropped} {droppedText}");
            outline.LegendText = sets[k].Label + (notes.Count > 0 ? $" ({string.Join("; ", notes)})" : "");
        }
        // Headroom above the tallest bar so the legend (upper right) does not cover the data.
        p.Axes.SetLimits(lo, hi, 0, top > 0 ? 1.1 * top + 0.09 * top * (sets.Count + 1) : 1);
        p.Title(title);
        p.XLabel(xLabel);
        p.YLabel("density");
        p.ShowLegend(Alignment.UpperRight);
        return p;
    }

    /// <summary>
    /// Reduced-energy histograms (k_BT): MD, flow unweighted, flow reweighted (pass the weights), bins from the
    /// first set (MD).
    /// </summary>
    public static void WriteEnergyHistogram(string path, IReadOnlyList<SampleSet> sets, string title = "Reduced energy", int bins = 80,
                                            int width = 900, int height = 700) =>
        FigureStyle.SavePng(BuildHistograms(title, "reduced energy u (k_BT)", sets, bins), path, width, height);

    /// <summary>
    /// Histogram of log w − max log w over samples with finite log w; samples with w = 0 (non-finite log w) are
    /// counted in the legend. The title carries the ESS fraction when given (a fraction, shown in percent).
    /// The range starts at the 0.1 % quantile (or −50 if lower) so one far outlier does not squeeze the plot.
    /// </summary>
    public static Plot BuildLogWeightHistogram(double[] logWeights, double? essFraction = null, int bins = 80)
    {
        double max = logWeights.Where(double.IsFinite).DefaultIfEmpty(0).Max();
        var rel = logWeights.Select(lw => double.IsFinite(lw) ? lw - max : double.NaN).ToArray();
        var finite = rel.Where(double.IsFinite).Order().ToArray();
        double lo = finite.Length > 0 ? Math.Max(-50, Quantile(finite, 0.001)) : -1;
        if (!(lo < 0)) lo = -1;
        lo -= 0.05 * -lo;
        string label = $"n = {logWeights.Length}";
        var p = BuildHistograms(essFraction is { } f ? $"Log importance weights (ESS fraction {FormatPercent(f)})" : "Log importance weights",
            "log w − max log w", [new SampleSet(label, rel)], bins, range: (lo, 0), droppedText: "with w = 0 not shown");
        return p;
    }

    public static void WriteLogWeightHistogram(string path, double[] logWeights, double? essFraction = null, int width = 900, int height = 700) =>
        FigureStyle.SavePng(BuildLogWeightHistogram(logWeights, essFraction), path, width, height);

    /// <summary>A fraction as a percentage with 3 significant digits ("1.23 %", "0.04 %", "12.3 %").</summary>
    public static string FormatPercent(double fraction) =>
        double.IsNaN(fraction) ? "nan" : (fraction * 100).ToString("G3", CultureInfo.InvariantCulture) + " %";

    // ---------------------------------------------------------------- training curves

    /// <summary>
    /// Reads training_log.csv (header step,loss,lr,grad_norm,val_loss,val_nll,steps_per_s,elapsed_s; empty val
    /// fields are null; columns are found by name). Rows that do not parse are skipped.
    /// </summary>
    public static List<TrainingLogRow> ReadTrainingLog(string path)
    {
        var lines = File.ReadAllLines(path);
        if (lines.Length == 0) throw new InvalidDataException($"{path}: empty training log");
        var header = lines[0].Split(',').Select(h => h.Trim()).ToList();
        int Col(string name) => header.IndexOf(name);
        int cStep = Col("step"), cLoss = Col("loss"), cLr = Col("lr"), cGn = Col("grad_norm"), cVl = Col("val_loss"), cVn = Col("val_nll"),
            cSps = Col("steps_per_s"), cEl = Col("elapsed_s");
        if (cStep < 0 || cLoss < 0) throw new InvalidDataException($"{path}: training log needs the columns step and loss");
        var rows = new List<TrainingLogRow>();
        foreach (var line in lines.Skip(1))
        {
            var f = line.Split(',');
            double? D(int c) => c >= 0 && c < f.Length && double.TryParse(f[c], NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : null;
            if (!int.TryParse(f[cStep], NumberStyles.Integer, CultureInfo.InvariantCulture, out int step) || D(cLoss) is not { } loss) continue;
            rows.Add(new TrainingLogRow(step, loss, D(cLr) ?? double.NaN, D(cGn) ?? double.NaN, D(cVl), D(cVn), D(cSps) ?? double.NaN, D(cEl) ?? double.NaN));
        }
        return rows;
    }

    /// <summary>
    /// Two panels: training (and validation) loss vs step on a log₁₀ y axis — linear, said in the axis label, if
    /// any loss is ≤ 0 (an MLE loss can be negative) — and validation NLL vs step; a dashed vertical line on both
    /// marks <paramref name="keptStep"/>, the step whose weights the model kept (keep: best).
    /// </summary>
    public static (Plot Loss, Plot Nll) BuildTrainingCurves(IReadOnlyList<TrainingLogRow> rows, string title = "Training", int? keptStep = null)
    {
        var loss = FigureStyle.NewPlot();
        var steps = rows.Select(r => (double)r.Step).ToArray();
        bool log = rows.All(r => !double.IsFinite(r.Loss) || r.Loss > 0) && rows.All(r => r.ValLoss is not { } v || v > 0 || !double.IsFinite(v));
        double Y(double v) => log ? Math.Log10(v) : v;
        AddLine(loss, steps, rows.Select(r => Y(r.Loss)).ToArray(), "training loss", 0);
        var vl = rows.Where(r => r.ValLoss is { } v && double.IsFinite(v)).ToArray();
        if (vl.Length > 0) AddLine(loss, vl.Select(r => (double)r.Step).ToArray(), vl.Select(r => Y(r.ValLoss!.Value)).ToArray(), "validation loss", 1, markers: true);
        if (log)
        {
            var gen = new ScottPlot.TickGenerators.NumericAutomatic
            {
                LabelFormatter = y => Math.Pow(10, y).ToString("G3", CultureInfo.InvariantCulture),
                MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
                IntegerTicksOnly = true,
            };
            loss.Axes.Left.TickGenerator = gen;
        }
        loss.Title(title + ": loss");
        loss.XLabel("step");
        loss.YLabel(log ? "loss (log scale)" : "loss (linear: values ≤ 0)");
        loss.ShowLegend(Alignment.UpperRight);

        var nll = FigureStyle.NewPlot();
        var vn = rows.Where(r => r.ValNll is { } v && double.IsFinite(v)).ToArray();
        if (vn.Length > 0)
            AddLine(nll, vn.Select(r => (double)r.Step).ToArray(), vn.Select(r => r.ValNll!.Value).ToArray(), "validation NLL", 2, markers: true);
        else
        {
            double x0 = steps.Length > 0 ? steps.Min() : 0, x1 = steps.Length > 0 ? Math.Max(steps.Max(), x0 + 1) : 1;
            var text = nll.Add.Text("no validation NLL logged", (x0 + x1) / 2, 0.5);
            text.LabelFontSize = FigureStyle.LabelSize;
            text.LabelFontName = FigureStyle.FontFamily;
            text.LabelAlignment = Alignment.MiddleCenter;
            nll.Axes.SetLimits(x0, x1, 0, 1);
            nll.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual();
        }
        nll.Title(title + ": validation NLL");
        nll.XLabel("step");
        nll.YLabel("NLL (nats)");
        if (keptStep is { } kept)
            foreach (var p in new[] { loss, nll })
            {
                var line = p.Add.VerticalLine(kept);
                line.Color = FigureStyle.SeriesColor(3);
                line.LinePattern = LinePattern.Dashed;
                line.LineWidth = 2;
                line.LegendText = $"kept weights (step {kept})";
            }
        if (vn.Length > 0 || keptStep is not null) nll.ShowLegend(Alignment.UpperRight);
        return (loss, nll);
    }

    internal static void AddLine(Plot p, double[] xs, double[] ys, string label, int colorIndex, bool markers = false)
    {
        var keep = Enumerable.Range(0, xs.Length).Where(i => double.IsFinite(xs[i]) && double.IsFinite(ys[i])).ToArray();
        var s = p.Add.Scatter(keep.Select(i => xs[i]).ToArray(), keep.Select(i => ys[i]).ToArray());
        s.Color = FigureStyle.SeriesColor(colorIndex);
        s.LineWidth = 2;
        s.MarkerSize = markers ? 6 : 0;
        s.LegendText = label;
    }

    public static void WriteTrainingCurves(string path, IReadOnlyList<TrainingLogRow> rows, string title = "Training", int panelWidth = 800, int height = 600,
                                           int? keptStep = null)
    {
        var (a, b) = BuildTrainingCurves(rows, title, keptStep);
        FigureStyle.WriteBytes(path, FigureStyle.Compose(2 * panelWidth, height, null,
            [(a, new PixelRect(0, panelWidth, height, 0)), (b, new PixelRect(panelWidth, 2 * panelWidth, height, 0))]));
    }

    public static void WriteTrainingCurves(string path, string trainingLogCsv, string title = "Training", int? keptStep = null) =>
        WriteTrainingCurves(path, ReadTrainingLog(trainingLogCsv), title, keptStep: keptStep);

    // ---------------------------------------------------------------- bars (comparison)

    /// <summary>One bar per category; null or non-finite values get no bar and a "n/a" label suffix.</summary>
    public static Plot BuildBars(string title, string yLabel, IReadOnlyList<string> labels, IReadOnlyList<double?> values, int colorIndex = 0)
    {
        var p = FigureStyle.NewPlot();
        var bars = new List<Bar>();
        var tickLabels = new string[labels.Count];
        for (int i = 0; i < labels.Count; i++)
        {
            bool ok = values[i] is { } v && double.IsFinite(v);
            tickLabels[i] = ok ? labels[i] : labels[i] + " (n/a)";
            if (ok) bars.Add(new Bar { Position = i, Value = values[i]!.Value, FillColor = FigureStyle.SeriesColor(colorIndex), Size = 0.6, LineWidth = 0 });
        }
        if (bars.Count > 0) p.Add.Bars(bars);
        p.Axes.Bottom.SetTicks(Enumerable.Range(0, labels.Count).Select(i => (double)i).ToArray(), tickLabels);
        p.Axes.SetLimitsX(-0.6, labels.Count - 0.4);
        p.Axes.Margins(bottom: 0);
        p.HideGrid();
        p.Title(title);
        p.YLabel(yLabel);
        return p;
    }
}
