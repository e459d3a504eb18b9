using BoltzmannGen.Tests.Support;
using BoltzmannGen.Cli;

namespace BoltzmannGen.Tests.Support;

/// <summary>
/// Runs a bgen command inside the test process. Spectre.Console allows one live display (progress bar, status) per
/// process, and xunit runs test classes in parallel, so two in-process commands with progress displays at once fail
/// with "Trying to run one or more interactive functions concurrently" (seen once in a clean-clone CI run). In-process
/// commands therefore take turns; a test that needs two commands at once starts processes (<see cref="BgenProcess"/>).
/// </summary>
internal static class InProcessBgen
{
    private static readonly Lock Turn = new();

    public static int Run(string[] args, TextWriter? errors = null)
    {
        lock (Turn) return BgenApp.Run(args, errors);
    }

    /// <summary>The exit code and what the command wrote as its error line(s).</summary>
    public static (int Code, string Error) Capture(params string[] args)
    {
        var errors = new StringWriter();
        int code = Run(args, errors);
        return (code, errors.ToString());
    }
}
