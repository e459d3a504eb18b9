using System.Globalization;

namespace BoltzmannGen.Optimisation;

/// <summary>One logged training step.</summary>
public sealed record TrainingLogRow(int Step, double Loss, double LearningRate, double GradNorm, double? ValLoss, double? ValNll,
                                    double StepsPerSecond, double ElapsedSeconds);

/// <summary>
/// training_log.csv: one row per logged step (header step,loss,lr,grad_norm,val_loss,val_nll,steps_per_s,elapsed_s),
/// flushed row by row so a plot can follow a running job. On resume, rows after the checkpoint's step are dropped
/// so the log has each step once.
/// </summary>
public sealed class TrainingLog : IDisposable
{
    public const string Header = "step,loss,lr,grad_norm,val_loss,val_nll,steps_per_s,elapsed_s";
    private readonly StreamWriter _writer;

    public TrainingLog(string path, int resumeFromStep)
    {
        var kept = RowsUpTo(path, resumeFromStep);
        _writer = new StreamWriter(path, append: false) { AutoFlush = true };
        _writer.WriteLine(Header);
        foreach (var line in kept) _writer.WriteLine(line);
    }

    /// <summary>The data rows of a step-keyed CSV log (step in the first column) up to <paramref name="step"/>: what a resume keeps.</summary>
    public static List<string> RowsUpTo(string path, int step) =>
        step > 0 && File.Exists(path)
            ? File.ReadAllLines(path).Skip(1).Where(l => int.TryParse(l.Split(',')[0], CultureInfo.InvariantCulture, out int s) && s <= step).ToList()
            : [];

    public void Write(TrainingLogRow r)
    {
        static string F(double? v) => v is { } x ? x.ToString("G6", CultureInfo.InvariantCulture) : "";
        _writer.WriteLine(string.Join(",", r.Step.ToString(CultureInfo.InvariantCulture), F(r.Loss), F(r.LearningRate), F(r.GradNorm),
            F(r.ValLoss), F(r.ValNll), F(r.StepsPerSecond), F(r.ElapsedSeconds)));
    }

    public void Dispose() => _writer.Dispose();
}
