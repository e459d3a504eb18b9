using BoltzmannGen.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace BoltzmannGen.Optimisation;

/// <summary>A module's weights on disk (TorchSharp Module.save/load), written atomically and refused by name when damaged.</summary>
public static class ModuleWeights
{
    /// <summary>Module.save to a temporary name, then rename: a kill never leaves half a weights file.</summary>
    /// <returns>the sha256 of the written file, for the JSON written after it</returns>
    public static string Save(nn.Module module, string path)
    {
        string tmp = path + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            module.save(tmp);
            string checksum = FileChecksum.Of(tmp);
            File.Move(tmp, path, overwrite: true);
            return checksum;
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    /// <summary>Loads weights into <paramref name="module"/>; callers verify the file's checksum first (<see cref="FileChecksum.Verify"/>).</summary>
    public static void Load(nn.Module module, string path)
    {
        if (!File.Exists(path)) throw new InputException($"{path} is missing.");
        try
        {
            module.load(path);
        }
        catch (Exception e) when (e is not InputException)
        {
            throw new InputException($"{path} is damaged or belongs to another architecture: {e.Message}", e);
        }
    }
}
