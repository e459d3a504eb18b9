using System.Globalization;

namespace BoltzmannGen.FineTuning;

/// <summary>
/// finetune_log.csv: one row per validation — step, energy evaluations spent so far, ESS of the fixed validation batch
/// (unclipped, clipped), the reverse-KL estimate, the MD validation NLL per dof, and what the training batches since the
/// last row held (invalid, non-finite and capped samples, mean batch ESS, the fab term's figures), and the Pareto k̂
/// of the validation weights (last, so older logs read the same). It is what the "ESS against energy
/// evaluations" plot reads. On resume, rows after the checkpoint are dropped, as in training_log.csv.
/// </summary>
public sealed class FineTuneLog : IDisposable
{
    public const string FileName = "finetune_log.csv";
    public const string Header = "step,energy_evaluations,val_ess,val_ess_clipped,val_reverse_kl,val_nll,val_invalid_fraction," +
                                 "train_samples,train_invalid,train_nonfinite,train_capped,train_batch_ess,fab_ess,fab_acceptance,val_pareto_k";
    private readonly StreamWriter _writer;

    public FineTuneLog(string path, int resumeFromStep)
    {
        var kept = Optimisation.TrainingLog.RowsUpTo(path, resumeFromStep);
        _writer = new StreamWriter(path, append: false) { AutoFlush = true };
        _writer.WriteLine(Header);
        foreach (var line in kept) _writer.WriteLine(line);
    }

    public void Write(int step, long evaluations, FineTuneValidationResult v, BatchStatistics b)
    {
        static string F(double? x) => x is { } d && double.IsFinite(d) ? d.ToString("G6", CultureInfo.InvariantCulture) : "";
        _writer.WriteLine(string.Join(",", step.ToString(CultureInfo.InvariantCulture), evaluations.ToString(CultureInfo.InvariantCulture),
            F(v.Ess), F(v.EssClipped), F(v.ReverseKl), F(v.ValNll), F(v.InvalidFraction),
            b.Samples.ToString(CultureInfo.InvariantCulture), b.Invalid.ToString(CultureInfo.InvariantCulture),
            b.NonFinite.ToString(CultureInfo.InvariantCulture), b.Capped.ToString(CultureInfo.InvariantCulture), F(b.MeanBatchEss),
            F(b.MeanFabEss), F(b.MeanFabAcceptance), F(v.ParetoK)));
    }

    /// <summary>(energy evaluations, ESS, clipped ESS) of every row of a log file, for plots and reports.</summary>
    public static IReadOnlyList<(long Evaluations, double Ess, double EssClipped)> Read(string path)
    {
        var rows = new List<(long, double, double)>();
        foreach (var line in File.ReadLines(path).Skip(1))
        {
            var c = line.Split(',');
            if (c.Length < 4 || !long.TryParse(c[1], CultureInfo.InvariantCulture, out long e)) continue;
            double P(string s) => double.TryParse(s, CultureInfo.InvariantCulture, out double d) ? d : double.NaN;
            rows.Add((e, P(c[2]), P(c[3])));
        }
        return rows;
    }

    public void Dispose() => _writer.Dispose();
}
