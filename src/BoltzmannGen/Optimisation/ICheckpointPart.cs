namespace BoltzmannGen.Optimisation;

/// <summary>
/// State a trainer keeps beyond weights, optimiser and random generator that a resume needs to continue exactly (the
/// fine-tuning fab term's replay buffer). <see cref="TrainingCheckpoint"/> writes it as one more file of the checkpoint
/// folder, checksummed like the others; Load may throw <see cref="InvalidDataException"/> for a damaged file.
/// </summary>
public interface ICheckpointPart
{
    /// <summary>The file's name inside the checkpoint folder.</summary>
    string FileName { get; }
    void Save(string path);
    void Load(string path);
}
