using System.Diagnostics;

namespace BoltzmannGen.Tests.Support;

/// <summary>
/// The built `bgen` CLI run as a separate process (its apphost is copied beside the test assembly), for what one
/// process cannot show: two writers at once, a kill -9.
/// </summary>
internal sealed class BgenProcess : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stdout, _stderr;

    private BgenProcess(Process process)
    {
        _process = process;
        _stdout = process.StandardOutput.ReadToEndAsync();
        _stderr = process.StandardError.ReadToEndAsync();
    }

    public static string Executable => Path.Combine(AppContext.BaseDirectory, "bgen");

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public static BgenProcess Start(params string[] args) => Start(null, args);

    /// <param name="environment">Variables to set (a null value removes one), e.g. a PATH with a fake sbatch.</param>
    public static BgenProcess Start(IReadOnlyDictionary<string, string?>? environment, params string[] args)
    {
        var info = new ProcessStartInfo(Executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["OMP_NUM_THREADS"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null) info.Environment.Remove(name);
            else info.Environment[name] = value;
        }
        return new BgenProcess(Process.Start(info) ?? throw new InvalidOperationException($"could not start {Executable}"));
    }

    /// <summary>Runs to the end: exit code, stdout, stderr.</summary>
    public static (int Code, string Out, string Error) Run(params string[] args)
    {
        using var p = Start(args);
        return p.Wait();
    }

    public static (int Code, string Out, string Error) Run(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        using var p = Start(environment, args);
        return p.Wait();
    }

    public (int Code, string Out, string Error) Wait(int seconds = 300)
    {
        if (!_process.WaitForExit(TimeSpan.FromSeconds(seconds)))
        {
            _process.Kill();
            throw new TimeoutException($"bgen (pid {Id}) did not end within {seconds} s");
        }
        return (_process.ExitCode, _stdout.Result, _stderr.Result);
    }

    /// <summary>SIGKILL: no finally block, no Dispose runs; only the kernel cleans up.</summary>
    public void KillHard()
    {
        _process.Kill(); // SIGKILL on Unix
        _process.WaitForExit();
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails if the process ended first or time ran out.</summary>
    public void WaitUntil(Func<bool> condition, string what, int seconds = 120)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"bgen (pid {Id}) ended (code {_process.ExitCode}) before {what}: {_stderr.Result}{_stdout.Result}");
            if (clock.Elapsed.TotalSeconds > seconds) throw new TimeoutException($"no {what} within {seconds} s");
            Thread.Sleep(50);
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited) KillHard();
        _process.Dispose();
    }
}
