namespace BoltzmannGen.Data;

/// <summary>Outputs others build on are not overwritten by accident.</summary>
public static class ExistingOutput
{
    /// <summary>
    /// Refuses to replace an existing output file unless <paramref name="replace"/> (--force, or --resume continuing
    /// the run that writes it): every command that writes a file others build on asks before overwriting it.
    /// </summary>
    public static void Refuse(string path, bool replace, string option)
    {
        if (File.Exists(path) && !replace)
            throw new InputException($"{option} {path} already exists; pass --force to replace it.");
    }
}
