using Spectre.Console;

namespace BoltzmannGen.Cli.Commands;

/// <summary>The progress bar of `bgen sample` and `bgen teacher sample`: conformations drawn of all, with the time left.</summary>
internal static class SampleProgress
{
    public static void Show(string title, double total, Action<IProgress<int>> work) =>
        AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(title, maxValue: total);
                work(new SynchronousProgress<int>(drawn => task.Value = drawn));
            });
}
