namespace BoltzmannGen.Tests.Support;

/// <summary>
/// Locates test fixtures in the source tree (walking up from the test binary to the folder holding
/// BoltzmannGen.sln), so fixtures need not be copied to the output directory.
/// </summary>
internal static class FixturePath
{
    private static readonly Lazy<string> Root = new(FindRoot);

    /// <summary>tests/BoltzmannGen.Tests/Fixtures/<paramref name="relative"/> in the repository.</summary>
    public static string Get(string relative) =>
        Path.Combine(Root.Value, "tests", "BoltzmannGen.Tests", "Fixtures", relative);

    /// <summary><paramref name="relative"/> from the repository root (the folder holding BoltzmannGen.sln).</summary>
    public static string Repository(string relative) => Path.Combine(Root.Value, relative);

    /// <summary>A file of the I/O fixture set written by tools/make_io_fixtures.py.</summary>
    public static string Io(string name) => Get(Path.Combine("io", name));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "BoltzmannGen.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"BoltzmannGen.sln not found above {AppContext.BaseDirectory}.");
    }
}
