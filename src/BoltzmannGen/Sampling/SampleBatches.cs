using System.Diagnostics;
using BoltzmannGen.Data;
using BoltzmannGen.Optimisation;
using static TorchSharp.torch;

namespace BoltzmannGen.Sampling;

/// <summary>
/// Draws conformations with log q batch by batch and writes samples.npz (docs/design.md §5.5) with the wall time, for
/// both samplers: the one-pass flow (`bgen sample`) and the ODE teacher (`bgen teacher sample`).
/// </summary>
public static class SampleBatches
{
    /// <param name="draw">n → (positions (n, N, 3) nm, log q (n) float64) for one batch</param>
    /// <param name="display">shows the draws' progress: conformations drawn of <paramref name="count"/>, under <paramref name="title"/></param>
    /// <returns>positions [frame, atom, xyz] float32 and the wall time in seconds</returns>
    public static (float[] Positions, double Seconds) DrawAndWrite(string path, string title, int count, int batch, int atoms,
        Func<int, (Tensor Positions, Tensor LogQ)> draw, ProgressDisplay<int> display, IEnumerable<(string Name, NpyArray Array)>? extra = null,
        CancellationToken cancellation = default)
    {
        SampleSizeLimits.Check(count, atoms, "--n");
        var positions = new float[(long)count * atoms * 3];
        var logQ = new double[count];
        var clock = Stopwatch.StartNew();
        display(title, count, progress =>
        {
            for (int start = 0; start < count; start += batch)
            {
                cancellation.ThrowIfCancellationRequested();
                int n = Math.Min(batch, count - start);
                using var fence = FinalizerFence.Enter();
                using var scope = NewDisposeScope();
                var (x, lq) = draw(n);
                x.to(float32).cpu().data<float>().CopyTo(positions.AsSpan(start * atoms * 3));
                lq.cpu().data<double>().CopyTo(logQ.AsSpan(start));
                progress.Report(start + n);
            }
        });
        double seconds = clock.Elapsed.TotalSeconds;
        // The wall time feeds the report's samples/s and effective samples/s.
        Npz.Write(path, [(SampleFile.Positions, new NpyArray(positions, count, atoms, 3)), (SampleFile.LogQ, new NpyArray(logQ, count)),
                         (SampleFile.SamplingSeconds, new NpyArray([seconds], 1)), .. extra ?? []]);
        return (positions, seconds);
    }
}
