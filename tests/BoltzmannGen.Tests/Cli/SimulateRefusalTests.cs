using BoltzmannGen.Cli;
using BoltzmannGen.Datasets;
using BoltzmannGen.Tests.Support;

namespace BoltzmannGen.Tests.Cli;

/// <summary>
/// A refused `simulate` leaves nothing that blocks the corrected command (issue 20, item 17: OUT/.partial/run.json made
/// the next attempt an "interrupted run", and only --force helped), and the temperature ladder is bounded (item 20:
/// `--temperatures 300,1e9` was accepted).
/// </summary>
public class SimulateRefusalTests
{
    private static string ForceFields => EnergyFixtures.Catalog.ForceFieldsDirectory;

    private static (int Code, string Error) Simulate(string output, params string[] options)
    {
        var errors = new StringWriter();
        int code = InProcessBgen.Run(["simulate", "--system", "aldp", "--ns", "0.01", "--save-every-ps", "1", "--equilibrate-ps", "1", "--out", output,
                                "--forcefields", ForceFields, .. options], errors);
        return (code, errors.ToString());
    }

    [Theory]
    [InlineData(new[] { "--platform", "Bogus" }, "Bogus")]
    [InlineData(new[] { "--temperatures", "300,290" }, "--temperatures must increase: 300,290.")]
    [InlineData(new[] { "--temperatures", "300,1e9" }, "--temperatures 300,1000000000: 1000000000 K is outside 1–5000 K")]
    public void A_refused_simulate_leaves_no_interrupted_run_and_the_corrected_command_runs(string[] bad, string expected)
    {
        using var dir = new TempDir();
        string output = dir.File("aldp");
        var refused = Simulate(output, bad);
        Assert.Equal(2, refused.Code);
        Assert.Contains(expected, refused.Error);
        Assert.False(File.Exists(Path.Combine(output, ".partial", "run.json")), "a refused run left run.json");
        Assert.False(Directory.Exists(Path.Combine(output, ".partial")), "a refused run left .partial/");

        var corrected = Simulate(output);
        Assert.True(corrected.Code == 0, corrected.Error);
        Assert.True(ReferenceDataset.Exists(output));
    }

    [Theory]
    [InlineData("300,1e9", "1000000000 K is outside 1–5000 K")]
    [InlineData("0.5", "0.5 K is outside 1–5000 K")]
    [InlineData("300,NaN", "NaN K is outside 1–5000 K")]
    [InlineData("300,Infinity", "K is outside 1–5000 K")]
    public void Temperatures_outside_1_to_5000_K_are_refused_naming_the_option(string ladder, string expected)
    {
        using var dir = new TempDir();
        var (code, error) = Simulate(dir.File("out"), "--temperatures", ladder);
        Assert.Equal(2, code);
        string line = Assert.Single(error.Trim().Split('\n'));
        Assert.StartsWith("error: --temperatures ", line);
        Assert.Contains(expected, line);
        Assert.False(Directory.Exists(dir.File("out")));
    }
}
