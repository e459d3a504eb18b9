namespace BoltzmannGen.Data;

/// <summary>
/// A folder of files replaced as one: the new contents are written into "name.new", the old folder is moved
/// aside to "name.old", the new one renamed into place, the old one removed. A kill at any moment leaves one
/// complete folder, either under its name or (between the two renames) as "name.old".
/// </summary>
public static class AtomicFolder
{
    /// <summary>Replaces <paramref name="folder"/> with what <paramref name="fill"/> writes into the fresh folder it gets.</summary>
    public static void Replace(string folder, Action<string> fill)
    {
        string fresh = folder + ".new", old = folder + ".old";
        if (Directory.Exists(fresh)) Directory.Delete(fresh, true);
        Directory.CreateDirectory(fresh);
        fill(fresh);
        if (Directory.Exists(old)) Directory.Delete(old, true);
        if (Directory.Exists(folder)) Directory.Move(folder, old);
        Directory.Move(fresh, folder);
        if (Directory.Exists(old)) Directory.Delete(old, true);
    }

    /// <summary>The complete copy of <paramref name="folder"/> (the one holding <paramref name="marker"/>, its last-written file), or null.</summary>
    public static string? Find(string folder, string marker)
    {
        if (File.Exists(Path.Combine(folder, marker))) return folder;
        string old = folder + ".old";
        return File.Exists(Path.Combine(old, marker)) ? old : null;
    }
}
