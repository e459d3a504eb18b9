namespace BoltzmannGen.Data;

/// <summary>
/// Loads conformations from whichever file a user points at: .npy (nm), .pdb (all models), .dcd.
/// Only the format, shape and atom count are checked here; non-finite values are left to the energy module,
/// which can name the offending frame by its energy.
/// </summary>
public static class FrameFile
{
    public static readonly IReadOnlyList<string> SupportedExtensions = [".npy", ".npz", ".pdb", ".dcd"];

    public static Frames Read(string path, int expectedAtoms)
    {
        if (!File.Exists(path))
            throw new InputException($"{path}: file not found.");
        string ext = Path.GetExtension(path).ToLowerInvariant();
        var frames = ext switch
        {
            ".npy" => ReadNpy(Npy.Read(path), path, expectedAtoms),
            // samples.npz from `bgen sample`: its "positions" array.
            ".npz" => Npz.Contains(path, "positions")
                ? ReadNpy(Npz.Read(path, "positions"), path + ":positions", expectedAtoms)
                : throw new InputException($"{path}: no 'positions' array (found {string.Join(", ", Npz.Names(path))})."),
            ".pdb" => Pdb.Read(path).Frames,
            ".dcd" => Dcd.Read(path, expectedAtoms),
            _ => throw new InputException(
                $"{path}: unknown file type '{(ext.Length == 0 ? "(no extension)" : ext)}'; supported: {string.Join(", ", SupportedExtensions)}."),
        };
        if (frames.AtomCount != expectedAtoms)
            throw new InputException($"{path}: has {frames.AtomCount} atoms, expected {expectedAtoms}.");
        return frames;
    }

    private static Frames ReadNpy(NpyArray array, string path, int expectedAtoms)
    {
        if (array.DType is not (NpyDType.Float32 or NpyDType.Float64))
            throw new InputException($"{path}: positions must be float32 or float64 nm, found {NpyDTypes.Name(array.DType)} ('{array.Descr}').");
        int[] s = array.Shape;
        bool ok = (s.Length == 3 || s.Length == 2) && s[^1] == 3;
        if (!ok)
            throw new InputException(
                $"{path}: shape ({string.Join(", ", s)}) found, expected (frames, {expectedAtoms}, 3) or ({expectedAtoms}, 3).");
        int count = s.Length == 3 ? s[0] : 1;
        int atoms = s[^2];
        if (atoms != expectedAtoms)
            throw new InputException($"{path}: shape ({string.Join(", ", s)}) has {atoms} atoms, expected {expectedAtoms}.");
        // float32 widens exactly; the values are nm already.
        return new Frames(count, atoms, array.ToDoubles());
    }
}
