namespace BoltzmannGen.Tests.Support;

/// <summary>A fresh folder per test, deleted afterwards, so atomic-write tests can list exactly what was left.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = global::System.IO.Path.Combine(global::System.IO.Path.GetTempPath(), "bgen-io-" + Guid.NewGuid().ToString("N"));
        global::System.IO.Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => global::System.IO.Path.Combine(Path, name);

    /// <summary>Names of the files in the folder, sorted.</summary>
    public string[] Files() =>
        global::System.IO.Directory.GetFiles(Path).Select(f => global::System.IO.Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray();

    public void Dispose()
    {
        try { global::System.IO.Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
    }
}
