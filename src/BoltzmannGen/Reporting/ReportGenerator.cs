using BoltzmannGen.Data;
using BoltzmannGen.Datasets;
using BoltzmannGen.FineTuning;
using BoltzmannGen.Flows;
using BoltzmannGen.Sampling;
using BoltzmannGen.Systems;
using static TorchSharp.torch;

namespace BoltzmannGen.Reporting;

/// <summary>What `bgen report` compares and where it writes.</summary>
/// <param name="Samples">a reweighted samples.npz</param>
/// <param name="Reference">the MD dataset compared with</param>
/// <param name="Out">the report folder</param>
/// <param name="Writer">who holds OUT's writer lock (docs/design.md §5.8): the command line</param>
/// <param name="Label">the run's name in tables and plots; null: the samples' folder name</param>
/// <param name="Model">the flow that made the samples (NLL of the MD test frames, training curves), or null</param>
public sealed record ReportRequest(PeptideSystem System, string Samples, string Reference, string Out, string Writer, string? Label = null, string? Model = null,
                                   double ClipTop = 0, int Bootstrap = 200, int TorusPoints = 2000);

/// <summary>
/// One run's report (docs/design.md §5.6, §7): reads the samples, the MD dataset and, given one, the model (its
/// training time, logs and the test frames' log q), builds the report (<see cref="RunReportBuilder"/>) and writes its
/// files (<see cref="ReportWriter"/>).
/// </summary>
public static class ReportGenerator
{
    /// <param name="display">shown while metrics and plots are computed (title only: the work reports no progress)</param>
    public static RunReport Run(ReportRequest request, ProgressDisplay<double> display)
    {
        var system = request.System;
        var samples = SampleFile.Read(request.Samples, system.AtomCount);
        var reference = ReferenceDataset.Load(request.Reference, system);
        using var writer = WriterLock.Acquire(request.Out, request.Writer); // before the model's weights: loading them is work
        var timings = new Dictionary<string, double>();
        double[]? testLogQ = null;
        string? log = null;
        int? keptStep = null;
        string? fineTuneLog = null;
        long? trainingEvaluations = null;
        if (request.Model is not null)
        {
            var (model, info) = ModelDirectory.Load(request.Model, CPU);
            if (info.System != system.Name) throw new InputException($"--model {request.Model} was trained for {info.System}, not {system.Name}.");
            timings["train"] = info.TrainingSeconds;
            log = Path.Combine(request.Model, ModelDirectory.LogFile);
            keptStep = info.KeptStep;
            trainingEvaluations = info.EnergyEvaluations;
            if (info.FineTunedFrom is not null) fineTuneLog = Path.Combine(request.Model, FineTuneLog.FileName);
            testLogQ = model.LogQ(reference.Split("test").Positions, batch: 2048);
        }
        var options = new ReportOptions
        {
            Label = request.Label ?? Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(request.Samples))) ?? "flow",
            Bootstrap = request.Bootstrap, TorusPoints = request.TorusPoints, ClipTop = request.ClipTop, TrainingLog = log, KeptStep = keptStep,
            Timings = timings, FineTuneLog = fineTuneLog, TrainingEnergyEvaluations = trainingEvaluations,
        };
        RunReport report = null!;
        display("computing metrics and plots…", 0, _ => report = new RunReportBuilder(system, reference, options).Build(samples, request.Out, testLogQ));
        ReportWriter.WriteAll(request.Out, report);
        return report;
    }
}
