namespace BoltzmannGen;

/// <summary>
/// How a stage's caller shows the long part of its work: it calls <paramref name="work"/> once, on its own thread,
/// with the progress sink it wants (a live bar on a terminal, lines in a log, nothing), and returns when the work
/// returns. <paramref name="title"/> and <paramref name="total"/> (0 when unknown) say what the work is. The library
/// never writes to the console: the CLI's commands pass their Spectre.Console displays (docs/design.md §1.3).
/// </summary>
public delegate void ProgressDisplay<TProgress>(string title, double total, Action<IProgress<TProgress>> work);

/// <summary>Displays for callers that show nothing (tests, tools).</summary>
public static class ProgressDisplays
{
    /// <summary>Runs the work with a progress sink that drops every report.</summary>
    public static void None<TProgress>(string title, double total, Action<IProgress<TProgress>> work) => work(new Ignored<TProgress>());

    private sealed class Ignored<T> : IProgress<T>
    {
        public void Report(T value) { }
    }
}
