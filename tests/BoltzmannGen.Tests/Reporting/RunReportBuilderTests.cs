using BoltzmannGen.Data;
using BoltzmannGen.Datasets;
using BoltzmannGen.Reporting;
using BoltzmannGen.Sampling;
using BoltzmannGen.Tests.Support;

namespace BoltzmannGen.Tests.Reporting;

public class RunReportBuilderTests
{
    private static string ShippedAldp => Path.Combine(EnergyFixtures.Catalog.ForceFieldsDirectory, "..", "data", "aldp");

    [Fact]
    public void Md_test_frames_reweighted_by_their_own_boltzmann_density_give_ess_one_and_md_free_energies()
    {
        var system = EnergyFixtures.System("aldp");
        var reference = ReferenceDataset.Load(ShippedAldp, system);
        var test = reference.Split("test");
        var u = Array.ConvertAll(reference.SplitEnergies("test"), e => e / system.KT);
        using var dir = new TempDir();
        string path = dir.File("samples.npz");
        Npz.Write(path, ("positions", new NpyArray(Array.ConvertAll(test.Positions, v => (float)v), test.Count, 22, 3)),
                        ("log_q", new NpyArray(u.Select(x => -x + 3.0).ToArray(), test.Count)));
        // log q := −u + c, with u from the dataset (written by the MD engine); the energies reweighting computes must agree.
        var file = SampleFile.Read(path, 22);
        var result = new Reweighting(system, new BoltzmannGen.Energy.EnergyOptions { Threads = 2 }).Run(file.PositionsNm(), file.LogQValues());
        file.Write([(SampleFile.Energy, new NpyArray(result.EnergiesKJ, test.Count)), (SampleFile.LogW, new NpyArray(result.Weights.LogWeights, test.Count)),
                    (SampleFile.Valid, new NpyArray(result.Valid, test.Count))]);

        var report = new RunReportBuilder(system, reference, new ReportOptions { Label = "MD as proposal", Bootstrap = 20, TorusPoints = 200 })
            .Build(SampleFile.Read(path, 22), dir.File("report"));

        Assert.Equal(0, report.SampleCounts.Invalid);
        Assert.Equal(1.0, report.EssFraction!.Value, 4); // float32 positions: energies agree to ~1e-4 k_BT, not exactly
        Assert.True(report.EW1 < 1e-3, $"E-W1 {report.EW1}");
        // ΔF references from numpy (tools/dihedral_reference.py), pinned to the shipped files by sha256.
        DihedralReference.RequireSameDataset("test", reference.Meta.Sha256);
        DihedralReference.RequireSameDataset("pooled", reference.Meta.Sha256);
        var dataset = DihedralReference.Json.GetProperty("dataset");
        // The samples are the test frames with weights exp(−u_recomputed + u_stored): uniform up to the float32 rounding of the energies.
        Assert.Equal(dataset.GetProperty("test").GetProperty("phi2").GetProperty("delta_f").GetDouble(), report.DeltaF[0]!.Value, 3);
        // The MD column is unweighted over every pooled frame: the same numbers summed in another order.
        Assert.Equal(dataset.GetProperty("pooled").GetProperty("phi2").GetProperty("delta_f").GetDouble(), report.DeltaFMd[0]!.Value, 1e-10);
        Assert.Equal(["ALA 2"], report.Residues);
        foreach (var plot in report.Plots) Assert.True(File.Exists(Path.Combine(dir.File("report"), plot.File)), plot.File);
    }

    [Fact]
    public void The_clipped_ess_caps_the_top_two_per_mille_of_log_weights_and_evaluations_are_counted()
    {
        var system = EnergyFixtures.System("aldp");
        var reference = ReferenceDataset.Load(ShippedAldp, system);
        var test = reference.Split("test");
        int n = test.Count, k = (int)Math.Floor(0.002 * n);
        // Known log-weights: a smooth spread plus a few outliers that dominate the unclipped ESS.
        var logW = Enumerable.Range(0, n).Select(i => Math.Sin(0.37 * i) + (i % 997 == 5 ? 12.0 + i % 7 : 0.0)).ToArray();
        using var dir = new TempDir();
        string path = dir.File("samples.npz");
        Npz.Write(path, ("positions", new NpyArray(Array.ConvertAll(test.Positions, v => (float)v), n, 22, 3)),
                        ("log_q", new NpyArray(new double[n], n)), ("energy", new NpyArray(reference.SplitEnergies("test"), n)),
                        ("log_w", new NpyArray(logW, n)), ("valid", new NpyArray(Enumerable.Repeat(true, n).ToArray(), n)),
                        ("mixture_flows", new NpyArray([3.0], 1)));
        var report = new RunReportBuilder(system, reference, new ReportOptions { Bootstrap = 20, TorusPoints = 200, TrainingEnergyEvaluations = 12345 })
            .Build(SampleFile.Read(path, 22), dir.File("report"));

        // Brute force: cap the k largest at the (k+1)-th largest, then Kish's (Σw)²/Σw² over n.
        var sorted = logW.OrderByDescending(v => v).ToArray();
        double cap = sorted[k], max = sorted[0];
        double sum = 0, sumSquares = 0, sumRaw = 0, sumRawSquares = 0;
        foreach (var l in logW)
        {
            double c = Math.Exp(Math.Min(l, cap) - cap), r = Math.Exp(l - max);
            (sum, sumSquares, sumRaw, sumRawSquares) = (sum + c, sumSquares + c * c, sumRaw + r, sumRawSquares + r * r);
        }
        Assert.Equal(sum * sum / sumSquares / n, report.EssClippedFraction!.Value, 10);
        Assert.Equal(sumRaw * sumRaw / sumRawSquares / n, report.EssFraction!.Value, 10);
        Assert.True(report.EssClippedFraction > 5 * report.EssFraction, "the outliers must dominate the unclipped ESS for this test to mean anything");
        Assert.Equal(12345, report.EnergyEvaluations.Training);
        Assert.Equal(n, report.EnergyEvaluations.Sampling);
        // The file says its log q is a three-flow mixture's (bgen sample --mix-with), and the report says so.
        Assert.Contains("proposal: 3 flows drawn as one mixture (bgen sample --mix-with); log q is the mixture's density.", report.Notes);
    }

    [Fact]
    public void Samples_that_were_not_reweighted_are_refused_with_the_command_to_run()
    {
        var system = EnergyFixtures.System("aldp");
        var reference = ReferenceDataset.Load(ShippedAldp, system);
        using var dir = new TempDir();
        string path = dir.File("s.npz");
        Npz.Write(path, ("positions", new NpyArray(new float[2 * 66], 2, 22, 3)), ("log_q", new NpyArray(new double[2], 2)));
        var e = Assert.Throws<InputException>(() => new RunReportBuilder(system, reference, new ReportOptions()).Build(SampleFile.Read(path, 22), dir.File("r")));
        Assert.Contains("bgen reweight", e.Message);
    }
}
