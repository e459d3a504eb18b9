using System.Security.Cryptography;

namespace BoltzmannGen.Data;

/// <summary>
/// The sha256 of a model, teacher or checkpoint file (docs/design.md §5.3, §5.4), recorded in the JSON written with it
/// and checked before the file is read: flipped bytes in weights load without complaint (only truncation fails), so
/// without the check a damaged model samples wrong positions and log q, and a damaged checkpoint resumes silently.
/// A record without the checksum is refused too: no model folder is shipped in the repository, every folder written
/// since checksums exist carries them, and an unverifiable file is exactly what the check is there to refuse.
/// </summary>
public static class FileChecksum
{
    /// <summary>Lower-case hex sha256 of the file's bytes.</summary>
    public static string Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>
    /// Refuses <paramref name="path"/> unless it exists and its sha256 is <paramref name="expected"/>; the messages name
    /// the file and <paramref name="record"/>, the JSON file that holds the checksum.
    /// </summary>
    /// <param name="remedy">what the user can do, e.g. "train the model again"</param>
    public static void Verify(string path, string? expected, string record, string remedy)
    {
        if (!File.Exists(path)) throw new InputException($"{path} is missing.");
        if (string.IsNullOrEmpty(expected))
            throw new InputException($"{path}: the checksum entry is missing from {record} (its sha256 has no \"{Path.GetFileName(path)}\"; " +
                                     $"written by a bgen that did not record checksums, or edited), so the file cannot be verified; {remedy}.");
        if (!string.Equals(Of(path), expected, StringComparison.OrdinalIgnoreCase))
            throw new InputException($"{path} does not match its checksum in {record}: the file was changed or damaged; {remedy}.");
    }
}
