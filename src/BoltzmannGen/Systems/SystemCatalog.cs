namespace BoltzmannGen.Systems;

/// <summary>
/// Finds peptide systems by name in a forcefields/ folder: $BGEN_FORCEFIELDS if set, else the forcefields/
/// folder of the repository that contains the working directory or the program, else one next to the program.
/// Any folder there with a system.json is a system, so user-built variants appear without code changes.
/// </summary>
public sealed class SystemCatalog
{
    public SystemCatalog(string forceFieldsDirectory) => ForceFieldsDirectory = forceFieldsDirectory;

    public string ForceFieldsDirectory { get; }

    /// <summary>The catalog of the default forcefields/ folder.</summary>
    public static SystemCatalog Default() => new(LocateForceFields());

    public IReadOnlyList<string> Names =>
        System.IO.Directory.Exists(ForceFieldsDirectory)
            ? System.IO.Directory.GetDirectories(ForceFieldsDirectory)
                .Where(d => File.Exists(Path.Combine(d, "system.json")))
                .Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList()
            : [];

    public IReadOnlyList<PeptideSystem> All => Names.Select(Get).ToList();

    /// <summary>The system called <paramref name="name"/>; an unknown name lists the known ones.</summary>
    public PeptideSystem Get(string name)
    {
        var names = Names;
        if (!names.Contains(name, StringComparer.Ordinal))
            throw new InputException(
                $"Unknown system '{name}'. Known systems (in {ForceFieldsDirectory}): {(names.Count == 0 ? "none" : string.Join(", ", names))}.");
        return PeptideSystem.Load(Path.Combine(ForceFieldsDirectory, name));
    }

    private static string LocateForceFields()
    {
        if (Environment.GetEnvironmentVariable("BGEN_FORCEFIELDS") is { Length: > 0 } fromEnv) return fromEnv;
        foreach (var start in new[] { System.IO.Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "BoltzmannGen.sln")) &&
                    System.IO.Directory.Exists(Path.Combine(dir.FullName, "forcefields")))
                    return Path.Combine(dir.FullName, "forcefields");
            }
        }
        return Path.Combine(AppContext.BaseDirectory, "forcefields");
    }
}
