namespace BoltzmannGen.Optimisation;

/// <summary>The files every trainer keeps in its output folder (flow model folders and teacher folders alike).</summary>
public static class TrainingFolder
{
    public const string ConfigFile = "config.yaml";
    public const string LogFile = "training_log.csv";
    public const string CheckpointFolder = "checkpoint";
}
