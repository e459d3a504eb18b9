using BoltzmannGen.Tests.Support;
using BoltzmannGen.Cli;

namespace BoltzmannGen.Tests.Cli;

/// <summary>The CLI boundary (<see cref="BgenApp.Guard"/>): every exception ends in one `error:` line and an exit code.</summary>
public class CrashBoundaryTests
{
    private static readonly string[] Args = ["train", "--out", "m"];

    private static string[] Lines(StringWriter errors) => errors.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The crash log named by the one error line; deleted by the caller.</summary>
    private static string LogOf(string errorLine)
    {
        const string marker = "details in ";
        Assert.Contains(marker, errorLine);
        string path = errorLine[(errorLine.IndexOf(marker, StringComparison.Ordinal) + marker.Length)..].Trim();
        Assert.True(File.Exists(path), path);
        return path;
    }

    private static void Crash() => throw new InvalidOperationException("index 7 is out of range\nsecond line of the message");

    [Fact]
    public void An_unexpected_exception_is_one_internal_error_line_exit_code_1_and_a_crash_log_with_the_details()
    {
        var errors = new StringWriter();
        int code = BgenApp.Guard(Args, errors, verbose: false, () => { Crash(); return 0; });
        Assert.Equal(1, code);
        string line = Assert.Single(Lines(errors));
        Assert.StartsWith("error: internal error: index 7 is out of range — please report it; details in ", line);
        Assert.StartsWith(Path.GetTempPath(), LogOf(line));
        string log = File.ReadAllText(LogOf(line));
        File.Delete(LogOf(line));
        Assert.Contains("bgen train --out m", log);
        Assert.Contains("System.InvalidOperationException: index 7 is out of range", log);
        Assert.Contains("second line of the message", log);
        Assert.Contains(nameof(Crash), log); // the stack trace
    }

    [Fact]
    public void Verbose_prints_the_details_too_but_still_one_error_line()
    {
        var errors = new StringWriter();
        int code = BgenApp.Guard(Args, errors, verbose: true, () => { Crash(); return 0; });
        Assert.Equal(1, code);
        var lines = Lines(errors);
        string line = Assert.Single(lines, l => l.StartsWith("error:", StringComparison.Ordinal));
        File.Delete(LogOf(line));
        Assert.Contains(lines, l => l.Contains(nameof(Crash), StringComparison.Ordinal));
        Assert.True(lines.Length > 3);
    }

    [Fact]
    public void User_errors_keep_exit_code_2_and_an_escaped_cancellation_exit_code_130()
    {
        var errors = new StringWriter();
        Assert.Equal(2, BgenApp.Guard(Args, errors, false, () => throw new InputException("--out m is a file; give a folder for the model.")));
        Assert.Equal("error: --out m is a file; give a folder for the model.", Assert.Single(Lines(errors)));

        errors = new StringWriter();
        Assert.Equal(130, BgenApp.Guard(Args, errors, false, () => throw new OperationCanceledException()));
        Assert.DoesNotContain("error:", errors.ToString());
        Assert.Equal(0, BgenApp.Guard(Args, errors, false, () => 0));
    }

    [Fact]
    public void The_real_entry_point_still_turns_bad_input_into_one_error_line()
    {
        var errors = new StringWriter();
        Assert.Equal(2, InProcessBgen.Run(["train", "--system", "aldp", "--out", Path.GetTempPath(), "--no-such-option"], errors));
        Assert.StartsWith("error:", Assert.Single(Lines(errors)));
    }
}
