using System.Globalization;
using BoltzmannGen.Analysis;
using BoltzmannGen.Systems;

namespace BoltzmannGen.Reporting.Metrics;

/// <summary>
/// ΔF = −ln(P(φ&gt;0) / P(φ&lt;0)) per residue with a φ, and the φ&gt;0 populations (design §7.5): one value per residue
/// with a confidence interval, for the reweighted flow and for MD, so not a scalar <see cref="Metric"/>. Its
/// computation, its metrics.csv rows, its report.md/html tables and its comparison columns are all here.
/// report.json keys: residues, delta_f, delta_f_ci, delta_f_md, delta_f_md_ci, basin_populations.
/// </summary>
public static class FreeEnergyDifferences
{
    /// <summary>The flow's (null when every weight is zero) and MD's estimates, one per φ, with the residue labels.</summary>
    public sealed record Estimates(IReadOnlyList<string> Residues, IReadOnlyList<BasinFreeEnergy>? Flow, IReadOnlyList<BasinFreeEnergy> Md);

    /// <summary>
    /// Flow: reweighted, ordinary bootstrap (of whole ancestral families for SMC particles). MD: every frame, pooled
    /// runs included, moving-block bootstrap over correlated frames. An estimate's note (e.g. an empty basin) goes into the report's notes.
    /// </summary>
    public static Estimates Compute(MetricInputs inputs)
    {
        var md = FreeEnergyDifference.PerResidue(inputs.Dihedrals, inputs.PooledMdDihedrals, null, inputs.MdBootstrap);
        var flow = inputs.NormalizedWeights is { } w
            ? FreeEnergyDifference.PerResidue(inputs.Dihedrals, inputs.SampleDihedrals, w, inputs.FlowBootstrap, inputs.Families)
            : null;
        if (flow is [{ Families: { } families }, ..])
            inputs.Notes.Add($"SMC: the flow's ΔF intervals bootstrap the {families:N0} ancestral families of the particles (particles copied " +
                             "from one starting particle by resampling are not independent), not single particles.");
        else if (inputs.Samples.IsSmc)
            inputs.Notes.Add("SMC: these particles carry no smc_family (an older `bgen smc`): the flow's ΔF intervals bootstrap single " +
                             "particles and are too narrow where resampling copied particles.");
        var residues = inputs.Dihedrals.Where(d => d.Kind == DihedralKind.Phi).Select(RunReportBuilder.ResidueLabel).ToList();
        foreach (var f in (flow ?? []).Concat(md)) if (f.Note is not null) inputs.Notes.Add($"{f.Name}: {f.Note}");
        return new Estimates(residues, flow, md);
    }

    /// <summary>The report with the estimates' keys set.</summary>
    public static RunReport Store(RunReport report, Estimates e)
    {
        var (residues, flow, md) = (e.Residues, e.Flow, e.Md);
        return report with
        {
            Residues = residues,
            DeltaF = flow?.Select(f => (double?)f.DeltaF).ToList() ?? residues.Select(_ => (double?)null).ToList(),
            DeltaFCi = flow?.Select(f => (double[]?)[f.Lower, f.Upper]).ToList() ?? residues.Select(_ => (double[]?)null).ToList(),
            DeltaFMd = md.Select(f => (double?)f.DeltaF).ToList(),
            DeltaFMdCi = md.Select(f => (double[]?)[f.Lower, f.Upper]).ToList(),
            BasinPopulations = residues.SelectMany((r, i) => new[]
            {
                new BasinPopulation
                {
                    Residue = r, Basin = "φ>0", Flow = flow?[i].PositiveFraction,
                    FlowCi = flow is null ? null : [flow[i].PositiveFractionLower, flow[i].PositiveFractionUpper],
                    Md = md[i].PositiveFraction, MdCi = [md[i].PositiveFractionLower, md[i].PositiveFractionUpper],
                },
            }).ToList(),
        };
    }

    /// <summary>Residues of a report: the longest of its residue, delta_f and delta_f_md lists.</summary>
    public static int ResidueCount(RunReport r) => new[] { r.Residues.Count, r.DeltaF.Count, r.DeltaFMd.Count }.Max();

    /// <summary>metrics.csv rows: delta_f, delta_f_md and delta_f_error per residue, then the populations.</summary>
    public static IEnumerable<MetricRow> Rows(RunReport r)
    {
        for (int i = 0; i < ResidueCount(r); i++)
        {
            string res = r.ResidueName(i);
            yield return new($"delta_f[{res}]", At(r.DeltaF, i), Ci(r.DeltaFCi, i, 0), Ci(r.DeltaFCi, i, 1), "k_BT");
            yield return new($"delta_f_md[{res}]", At(r.DeltaFMd, i), Ci(r.DeltaFMdCi, i, 0), Ci(r.DeltaFMdCi, i, 1), "k_BT");
            yield return new($"delta_f_error[{res}]", r.DeltaFError(i), null, null, "k_BT");
        }
        foreach (var b in r.BasinPopulations)
        {
            yield return new($"population[{b.Residue}, {b.Basin}]", b.Flow, b.FlowCi?.ElementAtOrDefault(0), b.FlowCi?.ElementAtOrDefault(1), "fraction");
            yield return new($"population_md[{b.Residue}, {b.Basin}]", b.Md, b.MdCi?.ElementAtOrDefault(0), b.MdCi?.ElementAtOrDefault(1), "fraction");
        }
    }

    /// <summary>`bgen run`'s summary: the flow's and MD's ΔF per residue of the flow's estimates.</summary>
    public static IEnumerable<SummaryRow> Summary(RunReport r)
    {
        static string F2(double? v) => v is { } x ? x.ToString("F2", CultureInfo.InvariantCulture) : "—";
        for (int i = 0; i < r.DeltaF.Count; i++)
            yield return new($"ΔF(φ>0 vs φ<0) {r.ResidueName(i)}: flow / MD (k_BT)",
                             $"{F2(r.DeltaF[i])} / {F2(i < r.DeltaFMd.Count ? r.DeltaFMd[i] : null)}");
    }

    /// <summary>report.md/html: the ΔF table and the basin-population table (each only when there is something to show).</summary>
    public static IEnumerable<ReportDocument.Block> Tables(RunReport r, string ciName)
    {
        int nRes = ResidueCount(r);
        if (nRes > 0)
        {
            yield return new ReportDocument.Heading(2, "Free-energy differences ΔF = −ln(P(φ>0) / P(φ<0))");
            var rows = new List<IReadOnlyList<string>>();
            for (int i = 0; i < nRes; i++)
                rows.Add([r.ResidueName(i),
                    ReportWriter.Fmt(At(r.DeltaF, i)), ReportWriter.FmtCi(i < r.DeltaFCi.Count ? r.DeltaFCi[i] : null),
                    ReportWriter.Fmt(At(r.DeltaFMd, i)), ReportWriter.FmtCi(i < r.DeltaFMdCi.Count ? r.DeltaFMdCi[i] : null),
                    ReportWriter.Fmt(r.DeltaFError(i))]);
            yield return new ReportDocument.Table(["residue", "ΔF flow (k_BT)", $"flow {ciName}", "ΔF MD (k_BT)", $"MD {ciName}", "|ΔF − ΔF_MD| (k_BT)"], rows);
        }
        if (r.BasinPopulations.Count > 0)
        {
            yield return new ReportDocument.Heading(2, "Basin populations");
            yield return new ReportDocument.Table(["residue", "basin", "flow (reweighted)", $"flow {ciName}", "MD", $"MD {ciName}"],
                r.BasinPopulations.Select(b => (IReadOnlyList<string>)[b.Residue, b.Basin, ReportWriter.Fmt(b.Flow), ReportWriter.FmtCi(b.FlowCi),
                    ReportWriter.Fmt(b.Md), ReportWriter.FmtCi(b.MdCi)]).ToList());
        }
    }

    /// <summary>Residue names over all runs, in first-seen order: one comparison column each.</summary>
    public static IReadOnlyList<string> ResidueColumns(IReadOnlyList<RunReport> runs)
    {
        var names = new List<string>();
        foreach (var r in runs)
            for (int i = 0; i < ResidueCount(r); i++)
                if (!names.Contains(r.ResidueName(i))) names.Add(r.ResidueName(i));
        return names;
    }

    /// <summary>Comparison columns: |ΔF − ΔF_MD| per residue (lower is better).</summary>
    public static IEnumerable<Comparison.Column> Columns(IReadOnlyList<RunReport> runs) =>
        ResidueColumns(runs).Select(res => new Comparison.Column($"delta_f_error[{res}]", $"|ΔF − ΔF_MD| {res} (k_BT)",
            r => ErrorFor(r, res), v => ReportWriter.Fmt(v)));

    private static double? ErrorFor(RunReport r, string residue)
    {
        for (int i = 0; i < Math.Max(r.Residues.Count, r.DeltaF.Count); i++)
            if (r.ResidueName(i) == residue) return r.DeltaFError(i);
        return null;
    }

    private static double? At(IReadOnlyList<double?> list, int i) => i < list.Count ? list[i] : null;
    private static double? Ci(IReadOnlyList<double[]?> list, int i, int k) => i < list.Count && list[i] is { Length: 2 } ci ? ci[k] : null;
}
