using BoltzmannGen.Reporting;

namespace BoltzmannGen.Tests.Reporting;

/// <summary>`bgen run`'s closing summary comes from the registered metrics' own rows, with ΔF per residue after the quality group.</summary>
public class SummaryRowsTests
{
    private static RunReport Report(long? trainingEvaluations) => new()
    {
        System = "aldp", Label = "flow", NSamples = 50000, EssFraction = 0.33720473869643247, EssClippedFraction = 0.5104898990857283, EssClipTop = 0.002,
        EW1 = 0.08707370970195363, TW2 = null, Residues = ["ALA 2"], DeltaF = [3.6949], DeltaFMd = [3.6512],
        Efficiency = new Efficiency
        {
            SamplesPerSecond = 7320.6, EffectiveSamplesPerSecond = 1910.2, MdEffectiveSamplesPerSecond = 0.71234,
            EffectiveSamplesPerSecondWithTraining = 5.6543,
        },
        EnergyEvaluations = new EnergyEvaluations { Training = trainingEvaluations, Sampling = 50000 },
    };

    [Fact]
    public void The_summary_has_the_figures_a_user_came_for_in_report_order()
    {
        var rows = Report(trainingEvaluations: 1_034_000).SummaryRows().Select(r => (r.Label, r.Value)).ToList();
        Assert.Equal(
        [
            ("samples", "50,000"),
            ("ESS fraction", "33.720 %"),
            ("ESS fraction, top 0.2 % of weights clipped", "51.049 %"),
            ("E-W1 (k_BT, reweighted)", "0.087"),
            ("T-W2 (rad)", "—"),
            ("ΔF(φ>0 vs φ<0) ALA 2: flow / MD (k_BT)", "3.69 / 3.65"),
            ("samples with log q per second", "7,321"),
            ("effective samples per second: flow / MD", "1.91E+03 / 0.712"),
            ("effective samples per second, training time included", "5.65"),
            ("energy evaluations: training / sampling", "1,034,000 / 50,000"),
        ], rows);
    }

    [Fact]
    public void MDs_own_E_W1_and_T_W2_follow_the_flows_when_the_report_has_them()
    {
        var report = Report(trainingEvaluations: null) with { TW2 = 0.977 };
        report = BoltzmannGen.Reporting.Metrics.MetricRegistry.Get("e_w1_md_floor").Store(report, 0.3921);
        report = BoltzmannGen.Reporting.Metrics.MetricRegistry.Get("t_w2_md_floor").Store(report, 0.9822);
        var labels = report.SummaryRows().Select(r => $"{r.Label}: {r.Value}").ToList();
        int ew1 = labels.IndexOf("E-W1 (k_BT, reweighted): 0.087"), tw2 = labels.IndexOf("T-W2 (rad): 0.977");
        Assert.Equal("E-W1 of MD itself, train vs test (k_BT; floor): 0.392", labels[ew1 + 1]);
        Assert.Equal("T-W2 of MD itself, train vs test (rad; floor): 0.982", labels[tw2 + 1]);
    }

    [Fact]
    public void A_model_trained_without_energies_has_no_energy_evaluation_row()
    {
        Assert.DoesNotContain(Report(trainingEvaluations: null).SummaryRows(), r => r.Label.StartsWith("energy evaluations", StringComparison.Ordinal));
    }
}
