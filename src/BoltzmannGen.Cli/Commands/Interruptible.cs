using BoltzmannGen.Cli.Pipeline;
using Spectre.Console;
using Spectre.Console.Cli;

namespace BoltzmannGen.Cli.Commands;

/// <summary>
/// Long checkpointed work that Ctrl+C stops cleanly: the token given to the work is cancelled (the work stops at its
/// next checkpoint), and the user is told how to continue — the same command with --resume, or, for a stage of
/// `bgen run`, the same run command.
/// </summary>
internal static class Interruptible
{
    /// <returns>0 when the work finished, 130 when it was stopped</returns>
    public static int Run(CommandContext context, CancellationToken cancellation, Action<CancellationToken> work)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            work(stop.Token);
            return 0;
        }
        catch (OperationCanceledException)
        {
            AnsiConsole.MarkupLine(context.Data is PipelineContext
                ? "[yellow]stopped at a checkpoint.[/]"
                : "[yellow]stopped at a checkpoint; continue with the same command and --resume.[/]");
            return BgenApp.Interrupted;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }
}
