using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace BoltzmannGen.Data;

/// <summary>
/// The one writer of an output (a dataset, model, teacher or run folder, a targets file) for as long as the command
/// writing it runs (docs/design.md §5.8). The lock is the kernel's, not a file's existence: opening the lock file
/// with <see cref="FileShare.None"/> takes an advisory exclusive <c>flock</c> on Linux (a sharing lock on Windows),
/// which the kernel drops when the process ends, however it ends, so a lock file a kill left behind blocks nothing.
/// <para>
/// Rule: the lock of <c>dir/name</c> is <c>dir/.name.lock</c>, beside the output, never inside it. An output that does
/// not exist yet, a file and a folder lock alike, and the lock survives what writers do to the output itself: a pooled
/// dataset replaced as a whole (<see cref="AtomicFolder"/>), `bgen run` deleting a stage's stale outputs. Locks are
/// per path: one process may hold the locks of a run folder and of the stage folders inside it at once.
/// </para>
/// <para>
/// The holder's pid and command line go to <c>dir/.name.lock.owner</c> (the locked file itself cannot be read by the
/// process it refuses), written after the lock is taken and removed before it is released; a second writer is
/// refused at once with that pid and command line. Both files are left in place or stale harmlessly.
/// </para>
/// <para>
/// Taking the lock also removes what killed writers of the output left (<see cref="RemoveStaleTemporaries"/>): its
/// temporary files (<c>NAME.tmp-HEX</c>, from <see cref="AtomicFile"/> and weight saves) and unfinished replacement
/// folder (<c>NAME.new</c> beside an existing NAME, from <see cref="AtomicFolder"/>), and, inside an output folder,
/// those of the folder's own files.
/// Under the lock no writer of the output can be using them.
/// </para>
/// </summary>
public sealed class WriterLock : IDisposable
{
    // Paths this process holds: a second lock of the same path here would be refused by the OS as well (flock locks
    // belong to open files, not processes), but this way the message says so instead of blaming "another" process.
    private static readonly ConcurrentDictionary<string, bool> HeldHere = new(StringComparer.Ordinal);

    private readonly FileStream _stream;
    private int _released;

    private WriterLock(string target, string lockPath, FileStream stream)
    {
        Target = target;
        LockPath = lockPath;
        _stream = stream;
    }

    /// <summary>Full path of the locked output.</summary>
    public string Target { get; }

    /// <summary>The file whose flock is the lock (<c>dir/.name.lock</c>).</summary>
    public string LockPath { get; }

    /// <summary>The plain-text record of the holder: "pid N" on the first line, the command line on the second.</summary>
    public string OwnerPath => OwnerPathOf(LockPath);

    /// <summary>The lock file of <paramref name="target"/>: <c>dir/.name.lock</c> beside it.</summary>
    public static string LockPathOf(string target)
    {
        string full = Normalise(target);
        string? parent = Path.GetDirectoryName(full);
        string name = Path.GetFileName(full);
        if (parent is null || name.Length == 0) throw new InputException($"{target}: a file system's root cannot be written as an output.");
        return Path.Combine(parent, "." + name + ".lock");
    }

    /// <summary>
    /// Takes the lock of <paramref name="target"/> (creating its parent folder if need be) or refuses at once with an
    /// <see cref="InputException"/>: "TARGET is being written by another bgen process (pid N: COMMAND)".
    /// </summary>
    /// <param name="target">The output as the user named it (the message repeats it).</param>
    /// <param name="command">The holder's command line, recorded for the message a second writer gets.</param>
    public static WriterLock Acquire(string target, string command) => Acquire(target, command, TimeSpan.Zero);

    /// <summary>
    /// As <see cref="Acquire(string, string)"/>, but a lock held by another process is waited for, polling, for up to
    /// <paramref name="wait"/> before the same refusal. For writers that take a shared lock briefly (a stage job of
    /// `bgen run --executor slurm` takes its run folder's lock while it books the stage in the ledger, §5.8).
    /// </summary>
    public static WriterLock Acquire(string target, string command, TimeSpan wait)
    {
        var start = DateTime.UtcNow;
        var deadline = start + wait;
        for (int attempt = 0; ; attempt++)
        {
            var writerLock = AcquireOnce(target, command, out var refusal, out bool unnamed);
            if (writerLock is not null) return writerLock;
            // A holder that has just taken the lock writes its record a moment later: a refusal names it, so it waits
            // for that moment (or for the lock to be free) rather than saying "not recorded yet".
            if (DateTime.UtcNow >= deadline && !(unnamed && DateTime.UtcNow < start + RecordWait)) throw refusal!;
            Thread.Sleep(unnamed ? 10 : Math.Min(50 * (attempt + 1), 500));
        }
    }

    /// <summary>How long a refusal waits for a holder that has the lock to record its pid and command line.</summary>
    private static readonly TimeSpan RecordWait = TimeSpan.FromSeconds(3);

    private const string NotRecorded = "its pid is not recorded yet";

    /// <summary>
    /// The lock, or null and the refusal when another process holds it (<paramref name="unnamed"/>: its holder has not
    /// recorded itself yet); other failures throw.
    /// </summary>
    private static WriterLock? AcquireOnce(string target, string command, out InputException? refusal, out bool unnamed)
    {
        refusal = null;
        unnamed = false;
        string full = Normalise(target);
        string lockPath = LockPathOf(target);
        if (!HeldHere.TryAdd(full, true))
            throw new InputException($"{target} is already being written by this bgen process (pid {Environment.ProcessId}).");
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(lockPath)!);
            FileStream stream;
            try
            {
                stream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException e) when (IsHeldElsewhere(e))
            {
                string? holder = Holder(lockPath);
                unnamed = holder is null;
                refusal = new InputException($"{target} is being written by another bgen process ({holder ?? NotRecorded}).", e);
                HeldHere.TryRemove(full, out _);
                return null;
            }
            var writerLock = new WriterLock(full, lockPath, stream);
            try
            {
                string record = string.Create(CultureInfo.InvariantCulture,
                    $"pid {Environment.ProcessId}\n{command.ReplaceLineEndings(" ")}\n{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ}\n");
                AtomicFile.WriteText(writerLock.OwnerPath, record);
            }
            catch
            {
                stream.Dispose();
                throw;
            }
            RemoveStaleTemporaries(full);
            return writerLock;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            HeldHere.TryRemove(full, out _);
            throw new InputException($"{target} is not writable: its writer lock {lockPath} cannot be taken ({e.Message})", e);
        }
        catch
        {
            HeldHere.TryRemove(full, out _);
            throw;
        }
    }

    /// <summary>Removes the owner record, then releases the lock (the lock file stays: its existence means nothing).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0) return;
        try { File.Delete(OwnerPath); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* a stale record is harmless */ }
        _stream.Dispose();
        HeldHere.TryRemove(Target, out _);
    }

    /// <summary>
    /// Deletes what killed writers of <paramref name="target"/> (whose lock this process has just taken) left: the
    /// output's temporary files and .new folder beside it, a stale temporary of its owner record, and, when the output
    /// is a folder, the temporary files and .new folders of its direct children. A child that is itself an output
    /// locked by another process keeps its temporaries (that process may be writing them). Best effort: what cannot be
    /// deleted stays, and is ignored (writers use fresh temporary names and replace .new folders).
    /// </summary>
    internal static void RemoveStaleTemporaries(string target)
    {
        string? parent = Path.GetDirectoryName(target);
        string name = Path.GetFileName(target);
        if (parent is null || name.Length == 0 || !Directory.Exists(parent)) return;
        foreach (var file in Enumerate(() => Directory.EnumerateFiles(parent, name + ".tmp-*")))
            if (TemporaryOf(Path.GetFileName(file)) == name) TryDelete(file);
        foreach (var file in Enumerate(() => Directory.EnumerateFiles(parent, "." + name + ".lock.owner.tmp-*")))
            if (TemporaryOf(Path.GetFileName(file)) == $".{name}.lock.owner") TryDelete(file);
        // A .new folder is an unfinished replacement while its output exists; without the output it may be the only
        // copy (a kill between AtomicFolder's two renames), so it stays (AtomicFolder replaces it on its next write).
        if (Directory.Exists(target)) TryDeleteFolder(target + ".new");
        if (!Directory.Exists(target)) return;
        foreach (var file in Enumerate(() => Directory.EnumerateFiles(target, "*.tmp-*")))
            if (TemporaryOf(Path.GetFileName(file)) is { } child && !child.EndsWith(".lock.owner", StringComparison.Ordinal)
                && !IsHeldElsewhere(Path.Combine(target, child)))
                TryDelete(file);
        foreach (var folder in Enumerate(() => Directory.EnumerateDirectories(target, "*.new")))
            if (Directory.Exists(folder[..^".new".Length]) && !IsHeldElsewhere(folder[..^".new".Length])) TryDeleteFolder(folder);
    }

    /// <summary>NAME for a temporary file name NAME.tmp-HEX (8 to 32 lower-case hex digits), else null.</summary>
    internal static string? TemporaryOf(string fileName)
    {
        int at = fileName.LastIndexOf(".tmp-", StringComparison.Ordinal);
        if (at <= 0) return null;
        var hex = fileName.AsSpan(at + 5);
        if (hex.Length is < 8 or > 32) return null;
        foreach (char c in hex) if (c is not (>= '0' and <= '9' or >= 'a' and <= 'f')) return null;
        return fileName[..at];
    }

    /// <summary>Whether another process (or another lock of this one) holds the writer lock of <paramref name="output"/>.</summary>
    private static bool IsHeldElsewhere(string output)
    {
        string full = Normalise(output);
        if (HeldHere.ContainsKey(full)) return true;
        string lockPath = LockPathOf(full);
        if (!File.Exists(lockPath)) return false;
        try
        {
            using var probe = new FileStream(lockPath, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            return false;
        }
        catch (IOException e) when (IsHeldElsewhere(e)) { return true; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return true; } // unsure: keep its files
    }

    private static IEnumerable<string> Enumerate(Func<IEnumerable<string>> list)
    {
        try { return list().ToList(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return []; }
    }

    private static void TryDelete(string file)
    {
        try { File.Delete(file); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    private static void TryDeleteFolder(string folder)
    {
        try { if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    private static string Normalise(string target) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(target));

    private static string OwnerPathOf(string lockPath) => lockPath + ".owner";

    // .NET reports a lock held elsewhere as a plain IOException carrying the OS error: EWOULDBLOCK from flock (11 on
    // Linux, 35 on macOS), ERROR_SHARING_VIOLATION / ERROR_LOCK_VIOLATION on Windows.
    private static bool IsHeldElsewhere(IOException e) =>
        e.GetType() == typeof(IOException) && e.HResult is 11 or 35 or unchecked((int)0x80070020) or unchecked((int)0x80070021);

    /// <summary>"pid N: COMMAND" from the holder's record, if it names a live process.</summary>
    private static string? Holder(string lockPath)
    {
        try
        {
            var lines = File.ReadAllLines(OwnerPathOf(lockPath));
            if (lines.Length >= 2 && lines[0].StartsWith("pid ", StringComparison.Ordinal)
                && int.TryParse(lines[0].AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && IsRunning(pid))
                return $"pid {pid}: {lines[1]}";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        // The holder has not written its record yet, or the record is a killed process's.
        return null;
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception) { return false; }
    }
}
