namespace BoltzmannGen.Tests.Support;

/// <summary>Every in-process command of the test suite goes through <see cref="InProcessBgen"/>, which serialises them.</summary>
public class InProcessBgenTests
{
    [Fact]
    public void No_test_calls_BgenApp_Run_directly_so_no_two_progress_displays_overlap()
    {
        string tests = FixturePath.Repository(Path.Combine("tests", "BoltzmannGen.Tests"));
        var direct = Directory.EnumerateFiles(tests, "*.cs", SearchOption.AllDirectories)
            .Where(file => !file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")
                           && Path.GetFileName(file) is not (nameof(InProcessBgen) + ".cs" or nameof(InProcessBgenTests) + ".cs")
                           && File.ReadAllText(file).Contains("BgenApp.Run("))
            .Select(file => Path.GetRelativePath(tests, file)).ToList();
        Assert.True(direct.Count == 0, $"call InProcessBgen.Run instead of BgenApp.Run in: {string.Join(", ", direct)}");
        Assert.Contains("InProcessBgen.Run(", File.ReadAllText(Path.Combine(tests, "Cli", "UserErrorMessageTests.cs"))); // the scan reads real files
    }
}
