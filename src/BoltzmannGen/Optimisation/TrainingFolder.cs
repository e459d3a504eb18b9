namespace BoltzmannGen.Optimisation;

/// <summary>The files every trainer keeps in its output folder (flow model folders and teacher folders alike).</summary>
public static class TrainingFolder
{
    public const string ConfigFile = "config.yaml";
    public const string LogFile = "training_log.csv";
    public const string CheckpointFolder = "checkpoint";

    /// <summary>
    /// Writes the folder's config.yaml, except when resuming over one already there: a resume must match the checkpoint's
    /// config anyway, and a refused resume (another config, a damaged checkpoint) must leave the folder as it was.
    /// </summary>
    public static void WriteConfig(string directory, string yaml, bool resume)
    {
        string path = Path.Combine(directory, ConfigFile);
        if (resume && File.Exists(path)) return;
        File.WriteAllText(path, yaml);
    }
}
