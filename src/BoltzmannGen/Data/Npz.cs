using System.IO.Compression;

namespace BoltzmannGen.Data;

/// <summary>
/// NumPy .npz archives: a zip with one "&lt;name&gt;.npy" entry per array, as numpy.savez writes them.
/// Names in this API are without the ".npy" suffix. Stored and deflated entries are read (savez and
/// savez_compressed); entries are written stored, like numpy.savez.
/// </summary>
public static class Npz
{
    /// <summary>Fixed entry time: the same arrays give the same bytes, so reruns can be compared by checksum.</summary>
    private static readonly DateTimeOffset EntryTime = new(1980, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The array names in archive order.</summary>
    public static IReadOnlyList<string> Names(string path) =>
        WithArchive(path, zip => zip.Entries.Select(e => e.FullName)
            .Where(n => n.EndsWith(".npy", StringComparison.Ordinal))
            .Select(n => n[..^4]).ToList());

    public static bool Contains(string path, string name) => Names(path).Contains(name);

    /// <summary>Reads the array <paramref name="name"/>; a missing name is an error listing the names present.</summary>
    public static NpyArray Read(string path, string name) =>
        WithArchive(path, zip =>
        {
            var entry = zip.GetEntry(name + ".npy")
                ?? throw new InputException($"{path}: no array '{name}' (arrays present: {string.Join(", ", NamesOf(zip))}).");
            return ReadEntry(path, name, entry);
        });

    /// <summary>All arrays, keyed by name, in archive order.</summary>
    public static IReadOnlyDictionary<string, NpyArray> ReadAll(string path) =>
        WithArchive(path, zip =>
        {
            var result = new Dictionary<string, NpyArray>();
            foreach (var entry in zip.Entries.Where(e => e.FullName.EndsWith(".npy", StringComparison.Ordinal)))
            {
                string name = entry.FullName[..^4];
                result[name] = ReadEntry(path, name, entry);
            }
            return result;
        });

    /// <summary>Writes the arrays (in the order given) atomically: either the old file or the whole new one.</summary>
    public static void Write(string path, IEnumerable<KeyValuePair<string, NpyArray>> arrays)
    {
        var list = arrays.ToList();
        var seen = new HashSet<string>();
        foreach (var (name, _) in list)
        {
            if (string.IsNullOrEmpty(name)) throw new ArgumentException("array names must not be empty.");
            if (!seen.Add(name)) throw new ArgumentException($"array name '{name}' given twice.");
        }
        AtomicFile.Write(path, stream =>
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            foreach (var (name, array) in list)
            {
                var entry = zip.CreateEntry(name + ".npy", CompressionLevel.NoCompression);
                entry.LastWriteTime = EntryTime;
                using var entryStream = entry.Open();
                Npy.Write(entryStream, array);
            }
        });
    }

    public static void Write(string path, params (string Name, NpyArray Array)[] arrays) =>
        Write(path, arrays.Select(a => KeyValuePair.Create(a.Name, a.Array)));

    private static IEnumerable<string> NamesOf(ZipArchive zip) =>
        zip.Entries.Select(e => e.FullName).Where(n => n.EndsWith(".npy", StringComparison.Ordinal)).Select(n => n[..^4]);

    private static NpyArray ReadEntry(string path, string name, ZipArchiveEntry entry)
    {
        try
        {
            using var s = entry.Open();
            return Npy.Read(s, $"{path}:{name}");
        }
        catch (InvalidDataException e)
        {
            throw new InputException($"{path}: entry '{name}' is corrupt: {e.Message}", e);
        }
    }

    private static T WithArchive<T>(string path, Func<ZipArchive, T> action)
    {
        using var stream = Npy.OpenRead(path, ".npz");
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(stream, ZipArchiveMode.Read);
        }
        catch (InvalidDataException e)
        {
            throw new InputException($"{path}: not a valid .npz (zip) file: {e.Message}", e);
        }
        using (zip) return action(zip);
    }
}
