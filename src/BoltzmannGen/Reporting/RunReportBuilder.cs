using System.Diagnostics;
using System.Globalization;
using BoltzmannGen.Analysis;
using BoltzmannGen.Data;
using BoltzmannGen.Datasets;
using BoltzmannGen.Reporting.Metrics;
using BoltzmannGen.Sampling;
using BoltzmannGen.Systems;

namespace BoltzmannGen.Reporting;

/// <summary>Choices of a report: its label, bootstrap settings, the T-W2 subset size, and weight clipping.</summary>
public sealed record ReportOptions
{
    public string Label { get; init; } = "flow";
    public int Bootstrap { get; init; } = 200;
    public double Confidence { get; init; } = 0.95;
    public int TorusPoints { get; init; } = 2000;
    /// <summary>Fraction of the largest log-weights capped before every estimate (0: none). Adds bias; the report says so.</summary>
    public double ClipTop { get; init; }
    public int Seed { get; init; } = 1;
    /// <summary>A training_log.csv to plot, or null.</summary>
    public string? TrainingLog { get; init; }
    /// <summary>The step whose weights the model kept (keep: best), marked on the training curves.</summary>
    public int? KeptStep { get; init; }
    /// <summary>A finetune_log.csv to plot (ESS against energy evaluations), or null.</summary>
    public string? FineTuneLog { get; init; }
    /// <summary>Energy evaluations spent in training the model (model.json), or null.</summary>
    public long? TrainingEnergyEvaluations { get; init; }
    /// <summary>Fraction of the top log-weights clipped for the second ESS figure.</summary>
    public double EssClipTop { get; init; } = 0.002;
    /// <summary>Stage timings known to the caller (training, teacher, …), in seconds.</summary>
    public IReadOnlyDictionary<string, double> Timings { get; init; } = new Dictionary<string, double>();
}

/// <summary>
/// Everything `bgen report` computes from reweighted samples and an MD dataset (docs/design.md §7): it reads the
/// inputs once (<see cref="MetricInputs"/>), computes ΔF per residue (<see cref="FreeEnergyDifferences"/>), writes the
/// plots, and computes every registered scalar metric (<see cref="MetricRegistry"/>: ESS, E-W1/E-W2, T-W2, NLL, sample
/// counts, bond errors, efficiency figures).
/// </summary>
public sealed class RunReportBuilder(PeptideSystem system, ReferenceDataset reference, ReportOptions options)
{
    /// <param name="samples">a reweighted samples.npz</param>
    /// <param name="testLogQ">log q of the MD test frames under the model, or null when no model is known</param>
    public RunReport Build(SampleFile samples, string outDirectory, double[]? testLogQ = null)
    {
        var clock = Stopwatch.StartNew();
        if (!samples.IsReweighted)
            throw new InputException($"{samples.Path}: no energies or weights yet; run `bgen reweight --system {system.Name} --samples {samples.Path}` first.");
        Directory.CreateDirectory(outDirectory);
        var notes = new List<string>();
        var inputs = new MetricInputs(system, reference, options, samples, testLogQ, notes);
        if (inputs.MdRuns > 1)
            notes.Add($"MD free energies (ΔF, φ profiles, Ramachandran maps) pool {inputs.MdRuns} independent runs, {inputs.PooledMdFrames.Count:N0} frames " +
                      $"(seeds {reference.Meta.Seed}, {string.Join(", ", reference.Meta.ExtraRuns!.Select(r => r.Seed))}); " +
                      "energies, T-W2 and NLL use the dataset's test split only.");
        var deltaF = FreeEnergyDifferences.Compute(inputs);

        var plots = WritePlots(inputs, outDirectory);

        // Every registered metric (Reporting/Metrics/), in report order.
        var values = MetricRegistry.All.Select(m => (Metric: m, Value: m.Compute(inputs))).ToList();

        var timings = new Dictionary<string, double>(options.Timings);
        if (inputs.SamplingSeconds is { } s1) timings["sample"] = Math.Round(s1, 2);
        if (inputs.ReweightSeconds is { } s2) timings["reweight"] = Math.Round(s2, 2);
        timings["report"] = Math.Round(clock.Elapsed.TotalSeconds, 2);

        if (samples.Has("log_q_is_estimate")) notes.Add("log q of these samples is Hutchinson's stochastic estimate, so the weights are not exact.");
        // How the intervals treat resampled copies is the ΔF metric's note (families, or single particles for old files).
        if (samples.IsSmc)
            notes.Add($"estimator: SMC (bgen smc), {(samples.Optional(SampleFile.SmcBetas)?.Length ?? 1) - 1} annealing steps, " +
                      $"{inputs.SmcEvaluationsPerParticle:F1} energy evaluations per particle; log_w are the SMC weights (ESS of the final particles).");
        if (samples.Optional(SampleFile.DefensiveMixture) is [var fraction, var scale])
            notes.Add($"proposal: a defensive mixture (bgen sample --defensive {fraction.ToString(CultureInfo.InvariantCulture)} " +
                      $"--defensive-scale {scale.ToString(CultureInfo.InvariantCulture)}); log q is the mixture's density.");
        if (samples.Optional(SampleFile.MixtureFlows) is [var flows])
            notes.Add($"proposal: {flows:F0} flows drawn as one mixture (bgen sample --mix-with); log q is the mixture's density.");
        if (inputs.Reflected?.Any(r => r) == true)
            notes.Add($"{inputs.Reflected.Count(r => r)} mirror-image (all-D) samples were reflected to L before scoring; log q was kept.");
        var report = new RunReport
        {
            System = system.Name,
            Label = options.Label,
            EssClipTop = options.EssClipTop,
            CiLevel = options.Confidence,
            MdFrames = inputs.PooledMdFrames.Count,
            MdRuns = inputs.MdRuns,
            Clipping = options.ClipTop > 0
                ? new ClippingInfo
                {
                    ClipFraction = options.ClipTop,
                    Bias = $"The largest {options.ClipTop:P2} of the log-weights were capped at the next one before every estimate: " +
                           "this lowers the variance and biases every reweighted figure towards the proposal; the unclipped ESS is in samples.npz (log_w).",
                }
                : null,
            Timings = timings,
            Notes = notes,
            Plots = plots,
        };
        report = FreeEnergyDifferences.Store(report, deltaF);
        foreach (var (metric, value) in values) report = metric.Store(report, value);
        return report;
    }

    /// <summary>The report's PNGs: Ramachandran maps and φ profiles per residue, energies, log-weights, training and fine-tuning curves.</summary>
    private List<PlotFile> WritePlots(MetricInputs inputs, string outDirectory)
    {
        var (seriesMd, flowBootstrap, mdBootstrap) = (inputs.PooledMdDihedrals, inputs.FlowBootstrap, inputs.MdBootstrap);
        var w = inputs.NormalizedWeights;
        var definitions = inputs.Dihedrals;
        var seriesFlow = inputs.SampleDihedrals;
        var plots = new List<PlotFile>();
        string Plot(string file) => Path.Combine(outDirectory, file);
        foreach (var (phi, psi) in RamachandranPairs(definitions))
        {
            string label = ResidueLabel(definitions[phi]);
            string file = $"ramachandran_{definitions[phi].Label}.png";
            var panels = new List<RamachandranPanel> { new("MD", Grid(FreeEnergySurface.Compute(seriesMd[phi], seriesMd[psi]))) };
            panels.Add(new("flow (unweighted)", Grid(FreeEnergySurface.Compute(seriesFlow[phi], seriesFlow[psi]))));
            if (w is not null) panels.Add(new("flow (reweighted)", Grid(FreeEnergySurface.Compute(seriesFlow[phi], seriesFlow[psi], w))));
            Plots.WriteRamachandran(Plot(file), $"{label}: free energy −ln p (k_BT)", panels);
            plots.Add(new PlotFile(file, $"Ramachandran free energy of {label}: MD, flow unweighted{(w is null ? "" : ", flow reweighted")}"));
        }
        for (int k = 0; k < definitions.Count; k++)
        {
            if (definitions[k].Kind != DihedralKind.Phi) continue;
            var profiles = new List<Profile1D>
            {
                Profile("MD", FreeEnergySurface.Profile(seriesMd[k], null, bootstrap: mdBootstrap), ProfileRange.EffectiveCounts(seriesMd[k], null)),
            };
            if (w is not null)
                profiles.Add(Profile("flow (reweighted)", FreeEnergySurface.Profile(seriesFlow[k], w, bootstrap: flowBootstrap, families: inputs.Families), ProfileRange.EffectiveCounts(seriesFlow[k], w)));
            string file = $"profile_{definitions[k].Label}.png";
            Plots.WriteFreeEnergyProfile(Plot(file), $"{ResidueLabel(definitions[k])}: free energy along φ", profiles);
            plots.Add(new PlotFile(file, $"Free energy along φ of {ResidueLabel(definitions[k])} with {options.Confidence:P0} bootstrap bands; " +
                                         $"hollow circles: bins with fewer than {ProfileRange.MinEffectiveSamples:0} effective samples (no band); " +
                                         $"the axis ends {ProfileRange.Headroom:0} k_BT above MD's highest bin with at least that many"));
        }
        var energySets = new List<SampleSet> { new("MD (test split)", inputs.TestReducedEnergies) };
        if (inputs.AnyFiniteEnergy) energySets.Add(new SampleSet("flow (unweighted)", inputs.ReducedEnergies, inputs.FiniteEnergy));
        if (w is not null) energySets.Add(new SampleSet("flow (reweighted)", inputs.ReducedEnergies, w));
        Plots.WriteEnergyHistogram(Plot("energy.png"), energySets, "Reduced energy u = E/k_BT");
        plots.Add(new PlotFile("energy.png", "Reduced-energy distributions: MD test split, flow samples, reweighted flow samples"));
        if (w is not null)
        {
            Plots.WriteLogWeightHistogram(Plot("log_weights.png"), inputs.Weights.LogWeights, inputs.Weights.EffectiveSampleFraction);
            plots.Add(new PlotFile("log_weights.png", "Log importance weights relative to the largest"));
        }
        if (options.TrainingLog is { } log && File.Exists(log))
        {
            Plots.WriteTrainingCurves(Plot("training.png"), log, $"Training ({options.Label})", options.KeptStep);
            plots.Add(new PlotFile("training.png", "Training loss and validation NLL per degree of freedom" +
                                                   (options.KeptStep is { } kept ? $"; the model keeps the weights of step {kept} " +
                                                       (options.FineTuneLog is null ? "(lowest validation NLL)" : "(highest validation ESS; the validation loss is the reverse-KL estimate)") : "")));
        }

        if (options.FineTuneLog is { } ftLog && File.Exists(ftLog))
        {
            FineTuningCurve.Write(Plot("finetune_ess.png"), FineTuning.FineTuneLog.Read(ftLog), $"Fine-tuning ({options.Label}): ESS against energy evaluations",
                FineTuningCurve.Anchors(system.Name));
            plots.Add(new PlotFile("finetune_ess.png", "ESS of a fixed batch of held-out flow samples during fine-tuning, against the energy evaluations " +
                                                       "spent; diamonds: published figures of flows trained with the energy"));
        }
        return plots;
    }

    /// <summary>
    /// MD's ΔF per residue exactly as a report computes it (every frame, pooled runs included, the report's moving-block
    /// bootstrap), for `bgen autocorr` and `bgen pool` to state a reference's intervals without any flow samples.
    /// </summary>
    public static IReadOnlyList<BasinFreeEnergy> MdFreeEnergies(ReferenceDataset reference, Topology topology, ReportOptions options) =>
        FreeEnergyDifference.PerResidue(reference.Pooled(), topology, null, MdBootstrap(reference.Meta, options));

    /// <summary>The report's bootstrap of MD frames: its replicates, confidence and seed, in blocks of <see cref="MdBlockLength"/>.</summary>
    public static BootstrapOptions MdBootstrap(DatasetMeta meta, ReportOptions options) =>
        new(options.Bootstrap, options.Confidence, (ulong)options.Seed, MdBlockLength(meta));

    /// <summary>Moving-block length for MD frames: five times the slowest integrated autocorrelation time in the dataset's meta.json.</summary>
    public static int MdBlockLength(DatasetMeta meta) =>
        Math.Max(1, (int)Math.Ceiling(5 * meta.AutocorrelationTimeFrames.Values.DefaultIfEmpty(1).Max()));

    /// <summary>"ALA 2" for phi2 of residue ALA 2 (PDB numbering, as users see it).</summary>
    public static string ResidueLabel(DihedralDefinition d) => $"{d.ResidueName} {new string(d.Label.SkipWhile(c => !char.IsDigit(c)).ToArray())}";

    private static IEnumerable<(int Phi, int Psi)> RamachandranPairs(IReadOnlyList<DihedralDefinition> definitions)
    {
        for (int k = 0; k < definitions.Count; k++)
        {
            if (definitions[k].Kind != DihedralKind.Phi) continue;
            int psi = -1;
            for (int j = 0; j < definitions.Count; j++)
                if (definitions[j].Kind == DihedralKind.Psi && definitions[j].ResidueIndex == definitions[k].ResidueIndex) psi = j;
            if (psi >= 0) yield return (k, psi);
        }
    }

    private static FreeEnergyGrid Grid(FreeEnergyMap map) => new(map.PhiEdges, map.PsiEdges, map.FreeEnergy);

    private static Profile1D Profile(string label, FreeEnergyProfile p, double[] effectiveCounts) =>
        new(label, p.Centres, p.FreeEnergy, p.Lower, p.Upper, effectiveCounts);
}
