using System.Reflection;
using BoltzmannGen.Data;
using Spectre.Console.Cli;

namespace BoltzmannGen.Cli;

/// <summary>Checks an output path before long work starts, so a typo fails in a second, not after the job.</summary>
public static class OutputPath
{
    public static void CheckWritable(string path, string option)
    {
        if (Directory.Exists(path))
            throw new InputException($"{option} {path} is a directory; give a file name.");
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is null || !Directory.Exists(dir))
            throw new InputException($"{option} {path}: the folder {dir} does not exist.");
    }

    /// <summary>An output folder must not be an existing file (it would fail only when the first file is written).</summary>
    public static void CheckFolder(string path, string option, string what)
    {
        if (File.Exists(path))
            throw new InputException($"{option} {path} is a file; give a folder for {what}.");
    }

    /// <summary>
    /// The exclusive writer lock of an output for the rest of the command (docs/design.md §5.8): a second bgen
    /// process writing the same path is refused at once, naming this one's pid and command line.
    /// </summary>
    public static WriterLock Lock(string path, CommandContext context) => WriterLock.Acquire(path, CommandLine(context));

    /// <summary>"bgen ARGS" of the command; a stage of `bgen run` (same process) adds the process's own command line.</summary>
    public static string CommandLine(CommandContext context)
    {
        string command = "bgen " + string.Join(" ", context.Arguments.Select(Quote));
        if (Assembly.GetEntryAssembly()?.GetName().Name != "bgen") return command; // in-process (tests)
        string process = "bgen " + string.Join(" ", Environment.GetCommandLineArgs().Skip(1).Select(Quote));
        return process == command ? command : $"{command}, within {process}";
    }

    private static string Quote(string arg) => arg.Length == 0 || arg.Contains(' ') ? $"\"{arg}\"" : arg;
}
