using BoltzmannGen.Cli;
using BoltzmannGen.Datasets;
using BoltzmannGen.Reporting;
using BoltzmannGen.Sampling;
using BoltzmannGen.Tests.Coordinates;
using BoltzmannGen.Tests.FineTuning;
using BoltzmannGen.Tests.Support;

namespace BoltzmannGen.Tests.Smc;

/// <summary>
/// `bgen smc` end to end on aldp with tiny saved model folders (Cartesian as fine-tuning's tests use, and internal
/// coordinates, whose near-identity samples are molecules), and bad input refused with one error line, exit 2 and
/// nothing written.
/// </summary>
public class SmcCommandTests
{
    private static string ForceFields => EnergyFixtures.Catalog.ForceFieldsDirectory;

    /// <summary>A perturbed resnvp over aldp's internal coordinates (map fitted to MD frames), saved as a trained model folder.</summary>
    private static string InternalModel(TempDir dir) => FineTunerTests.BaseModel(dir, map: CoordinateData.AldpMap, name: "internal");

    private static (int Code, string Error) Run(params string[] args) => InProcessBgen.Capture(args);

    private static readonly string[] Keys =
    [
        SampleFile.Positions, SampleFile.LogQ, SampleFile.Energy, SampleFile.LogW, SampleFile.Valid, SampleFile.Reflected,
        SampleFile.SamplingSeconds, SampleFile.Estimator, SampleFile.SmcBetas, SampleFile.SmcAcceptance, SampleFile.SmcEss,
        SampleFile.SmcStepSize, SampleFile.SmcResampled, SampleFile.SmcLogZ, SampleFile.SmcEvaluationsPerParticle,
        SampleFile.SmcFamily,
    ];

    [Theory]
    [InlineData("cartesian")]
    [InlineData("internal")]
    public void Smc_on_aldp_writes_every_key_and_the_report_reads_it(string coordinates)
    {
        using var dir = new TempDir();
        string model = coordinates == "internal" ? InternalModel(dir) : FineTunerTests.BaseModel(dir);
        string output = dir.File("smc.npz");
        var (code, error) = Run("smc", "--model", model, "--n", "32", "--steps", "3", "--mcmc-per-step", "1", "--out", output,
                                "--threads", "1", "--device", "cpu", "--forcefields", ForceFields, "--seed", "3");
        Assert.True(code == 0, error);

        var file = SampleFile.Read(output, 22);
        Assert.All(Keys, k => Assert.True(file.Has(k), $"no '{k}'"));
        Assert.True(file.IsReweighted && file.IsSmc);
        Assert.Equal(32, file.Count);
        Assert.Equal(new[] { 0, 1.0 / 9, 4.0 / 9, 1 }, file.Optional(SampleFile.SmcBetas)!);
        Assert.Equal(3, file.Optional(SampleFile.SmcAcceptance)!.Length);
        var logW = file.Optional(SampleFile.LogW)!;
        var valid = file.OptionalMask(SampleFile.Valid)!;
        var energy = file.Optional(SampleFile.Energy)!;
        for (int i = 0; i < 32; i++)
        {
            // valid ⇔ a finite weight; a valid particle's energy is finite.
            Assert.Equal(valid[i], double.IsFinite(logW[i]));
            if (valid[i]) Assert.True(double.IsFinite(energy[i]));
        }
        // The first evaluation plus one move per step, for every particle (dead ones are not moved).
        Assert.InRange(file.Optional(SampleFile.SmcEvaluationsPerParticle)![0], 1, 4);
        if (coordinates == "internal")
        {
            // Near-identity samples of internal coordinates are molecules: SMC has something to anneal.
            Assert.True(valid.Count(v => v) >= 16, $"{valid.Count(v => v)} valid particles");
            Assert.True(double.IsFinite(file.Optional(SampleFile.SmcLogZ)![0]));
            Assert.All(file.Optional(SampleFile.SmcAcceptance)!, a => Assert.InRange(a, 0, 1));
            Assert.Equal(4.0, file.Optional(SampleFile.SmcEvaluationsPerParticle)![0], 0.5);

            var system = EnergyFixtures.System("aldp");
            var reference = ReferenceDataset.Load(Path.Combine(ForceFields, "..", "data", "aldp"), system);
            var report = new RunReportBuilder(system, reference, new ReportOptions { Bootstrap = 20, TorusPoints = 200 })
                .Build(file, dir.File("report"));
            Assert.Contains(report.Notes, n => n.StartsWith("estimator: SMC") && n.Contains("3 annealing steps"));
            int families = file.Optional(SampleFile.SmcFamily)!.Distinct().Count();
            Assert.Contains(report.Notes, n => n.StartsWith("SMC: the flow's ΔF intervals bootstrap the " + families + " ancestral families"));
            Assert.DoesNotContain(report.Notes, n => n.Contains("too narrow")); // families make them honest: no note may say otherwise
            Assert.Equal((long)Math.Round(file.Optional(SampleFile.SmcEvaluationsPerParticle)![0] * 32), report.EnergyEvaluations.Sampling);
            Assert.True(report.Ess > 0);
        }

        // Reweighting SMC particles as if they were flow draws would be wrong: refused, file untouched.
        var before = File.ReadAllBytes(output);
        var (reweight, message) = Run("reweight", "--system", "aldp", "--samples", output, "--forcefields", ForceFields);
        Assert.Equal(2, reweight);
        Assert.Contains("bgen smc", message);
        Assert.Equal(before, File.ReadAllBytes(output));
    }

    [Theory]
    [InlineData("--n 0", "--n 0")]
    [InlineData("--kernel hmc2", "--kernel hmc2")]
    [InlineData("--betas 0.1,0.5,0.9", "not 1")]
    [InlineData("--betas 0.1,x,1", "'x' is not a number")]
    [InlineData("--steps -3", "--steps -3")]
    [InlineData("--schedule cosine", "--schedule cosine")]
    [InlineData("--resample-below 1.5", "--resample-below")]
    [InlineData("--system al4", "model of aldp")]
    public void Bad_options_are_refused_with_nothing_written(string options, string expected)
    {
        using var dir = new TempDir();
        string model = FineTunerTests.BaseModel(dir);
        string output = dir.File("smc.npz");
        var (code, error) = Run(["smc", "--model", model, "--out", output, "--forcefields", ForceFields, "--device", "cpu", .. options.Split(' ')]);
        Assert.Equal(2, code);
        Assert.StartsWith("error:", error);
        Assert.Contains(expected, error);
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.False(File.Exists(output), "nothing may be written for refused options");
    }

    [Theory]
    [InlineData(false, "folder not found")]
    [InlineData(true, "model.json is missing")]
    public void A_folder_that_is_not_a_model_is_refused(bool exists, string expected)
    {
        using var dir = new TempDir();
        string model = dir.File("not-a-model");
        if (exists) Directory.CreateDirectory(model);
        string output = dir.File("smc.npz");
        var (code, error) = Run("smc", "--model", model, "--out", output, "--forcefields", ForceFields);
        Assert.Equal(2, code);
        Assert.StartsWith("error:", error);
        Assert.Contains(expected, error);
        Assert.False(File.Exists(output));
    }
}
