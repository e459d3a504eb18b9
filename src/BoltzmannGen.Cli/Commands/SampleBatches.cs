using System.Diagnostics;
using BoltzmannGen.Data;
using BoltzmannGen.Optimisation;
using BoltzmannGen.Sampling;
using Spectre.Console;
using static TorchSharp.torch;

namespace BoltzmannGen.Cli.Commands;

/// <summary>
/// Draws conformations with log q batch by batch with a progress bar and writes samples.npz (docs/design.md §5.5) with the
/// wall time, for both samplers: the one-pass flow (`bgen sample`) and the ODE teacher (`bgen teacher sample`).
/// </summary>
internal static class SampleBatches
{
    /// <param name="draw">n → (positions (n, N, 3) nm, log q (n) float64) for one batch</param>
    /// <returns>positions [frame, atom, xyz] float32 and the wall time in seconds</returns>
    public static (float[] Positions, double Seconds) DrawAndWrite(string path, string title, int count, int batch, int atoms,
        Func<int, (Tensor Positions, Tensor LogQ)> draw, IEnumerable<(string Name, NpyArray Array)>? extra = null,
        CancellationToken cancellation = default)
    {
        Sampling.SampleSizeLimits.Check(count, atoms, "--n");
        var positions = new float[(long)count * atoms * 3];
        var logQ = new double[count];
        var clock = Stopwatch.StartNew();
        AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(title, maxValue: count);
                for (int start = 0; start < count; start += batch)
                {
                    cancellation.ThrowIfCancellationRequested();
                    int n = Math.Min(batch, count - start);
                    using var fence = FinalizerFence.Enter();
                    using var scope = NewDisposeScope();
                    var (x, lq) = draw(n);
                    x.to(float32).cpu().data<float>().CopyTo(positions.AsSpan(start * atoms * 3));
                    lq.cpu().data<double>().CopyTo(logQ.AsSpan(start));
                    task.Increment(n);
                }
            });
        double seconds = clock.Elapsed.TotalSeconds;
        // The wall time feeds the report's samples/s and effective samples/s.
        Npz.Write(path, [(SampleFile.Positions, new NpyArray(positions, count, atoms, 3)), (SampleFile.LogQ, new NpyArray(logQ, count)),
                         (SampleFile.SamplingSeconds, new NpyArray([seconds], 1)), .. extra ?? []]);
        return (positions, seconds);
    }
}
