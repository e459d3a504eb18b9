using BoltzmannGen.Cli;
using BoltzmannGen.Targets;
using BoltzmannGen.Tests.Support;

namespace BoltzmannGen.Tests.Cli;

/// <summary>`targets` refuses to replace an existing --out without --force, like every other writer (issue 20, item 19).</summary>
public class TargetsOverwriteTests
{
    private static string ForceFields => EnergyFixtures.Catalog.ForceFieldsDirectory;
    private static string Aldp => Path.Combine(ForceFields, "..", "data", "aldp");

    private static (int Code, string Error) Targets(string output, params string[] extra)
    {
        var errors = new StringWriter();
        int code = InProcessBgen.Run(["targets", "--system", "aldp", "--kind", "ot", "--data", Aldp, "--pairs", "8", "--out", output,
                                "--forcefields", ForceFields, .. extra], errors);
        return (code, errors.ToString());
    }

    [Fact]
    public void An_existing_out_is_refused_without_force_and_replaced_with_it()
    {
        using var dir = new TempDir();
        string output = dir.File("targets.npz");
        File.WriteAllText(output, "keep me");
        var refused = Targets(output);
        Assert.Equal(2, refused.Code);
        Assert.Equal($"error: --out {output} already exists; pass --force to replace it.", refused.Error.Trim());
        Assert.Equal("keep me", File.ReadAllText(output));
        Assert.Equal(["targets.npz"], dir.Files()); // refused before its writer lock: no lock file either

        var forced = Targets(output, "--force");
        Assert.True(forced.Code == 0, forced.Error);
        Assert.Equal(8, TargetsFile.Read(output, "aldp", 22).Pairs);
        var again = Targets(output, "--seed", "5");
        Assert.Equal(2, again.Code);
        Assert.Equal(8, TargetsFile.Read(output, "aldp", 22).Pairs);
    }
}
