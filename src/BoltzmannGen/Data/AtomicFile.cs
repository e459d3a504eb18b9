namespace BoltzmannGen.Data;

/// <summary>
/// Writes a file so that readers only ever see the old file or the complete new one: the bytes go to a
/// temporary file in the same folder (same file system, so the final rename is atomic) and are moved over
/// the target only after the writer returned and the data were flushed.
/// </summary>
public static class AtomicFile
{
    /// <summary>
    /// Calls <paramref name="write"/> with a stream to a temporary file next to <paramref name="path"/>, then
    /// moves it to <paramref name="path"/> (replacing an existing file). If <paramref name="write"/> throws,
    /// the temporary file is deleted, <paramref name="path"/> is untouched, and the exception propagates.
    /// </summary>
    public static void Write(string path, Action<Stream> write)
    {
        string full = Path.GetFullPath(path);
        string tmp = full + ".tmp-" + Guid.NewGuid().ToString("N")[..12];
        try
        {
            using (var stream = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                // Flush to disk before the rename, or a crash could leave a renamed but empty file.
                stream.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
    }

    /// <summary><see cref="Write"/> of <paramref name="text"/> as UTF-8 without a byte-order mark.</summary>
    public static void WriteText(string path, string text) => Write(path, s => s.Write(System.Text.Encoding.UTF8.GetBytes(text)));

    private static void TryDelete(string tmp)
    {
        try { File.Delete(tmp); }
        catch (IOException) { /* best effort: the original exception matters more */ }
        catch (UnauthorizedAccessException) { }
    }
}
