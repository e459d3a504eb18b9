namespace BoltzmannGen.Cli;

/// <summary>Checks an output path before long work starts, so a typo fails in a second, not after the job.</summary>
public static class OutputPath
{
    public static void CheckWritable(string path, string option)
    {
        if (Directory.Exists(path))
            throw new InputException($"{option} {path} is a directory; give a file name.");
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is null || !Directory.Exists(dir))
            throw new InputException($"{option} {path}: the folder {dir} does not exist.");
    }
}
