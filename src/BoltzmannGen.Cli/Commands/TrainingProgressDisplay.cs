using System.Globalization;
using BoltzmannGen.Optimisation;
using Spectre.Console;

namespace BoltzmannGen.Cli.Commands;

/// <summary>
/// The progress of any trainer (flow or teacher): a live bar with step, loss, steps/s and ETA on a terminal, one
/// line per validation (and every tenth log interval) when the output is redirected to a file.
/// </summary>
internal static class TrainingProgressDisplay
{
    public static void Run(string title, int totalSteps, int logEvery, Action<IProgress<TrainingProgress>> train)
    {
        if (Console.IsOutputRedirected)
        {
            train(new SynchronousProgress<TrainingProgress>(p =>
            {
                if (p.ValidationLoss is not null || p.Step % (logEvery * 10) == 0) Console.WriteLine($"{title}: {Line(p)}{Eta(p)}");
            }));
            return;
        }
        AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(title, maxValue: totalSteps);
                train(new SynchronousProgress<TrainingProgress>(p =>
                {
                    task.Value = p.Step;
                    task.Description = Markup.Escape($"{title}: {Line(p)}");
                }));
            });
    }

    // A log file has no live bar, so each line says how long is left at the recent speed.
    private static string Eta(TrainingProgress p)
    {
        if (!(p.StepsPerSecond > 0) || p.Step >= p.TotalSteps) return "";
        var left = TimeSpan.FromSeconds((p.TotalSteps - p.Step) / p.StepsPerSecond);
        return $" ETA {(int)left.TotalHours:00}:{left.Minutes:00}:{left.Seconds:00}";
    }

    public static string Line(TrainingProgress p) =>
        string.Create(CultureInfo.InvariantCulture, $"step {p.Step}/{p.TotalSteps} loss {p.Loss:G4} {p.StepsPerSecond:F1} steps/s") +
        (p.ValidationSummary is { } said ? $" {said}"
         : p.ValidationLoss is { } v ? string.Create(CultureInfo.InvariantCulture, $" val {v:G4}") : "") +
        (p.ValidationNll is { } nll ? string.Create(CultureInfo.InvariantCulture, $" val NLL/dof {nll:F3}") : "");
}
