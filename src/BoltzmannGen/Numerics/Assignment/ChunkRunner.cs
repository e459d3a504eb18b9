using System.Runtime.ExceptionServices;

namespace BoltzmannGen.Numerics.Assignment;

/// <summary>
/// Runs a body over contiguous chunks of a range on up to <c>threads</c> threads. Chunks are static and in
/// order, so per-chunk results can be combined in chunk order and the outcome does not depend on the thread
/// count. Exceptions from a chunk are rethrown as themselves (not wrapped in an AggregateException).
/// </summary>
internal sealed class ChunkRunner
{
    private readonly ParallelOptions _options;

    public ChunkRunner(int threads)
    {
        Threads = threads;
        _options = new ParallelOptions { MaxDegreeOfParallelism = threads };
    }

    public int Threads { get; }

    /// <summary>How many chunks to cut <paramref name="count"/> items into: one per thread when each gets at least <paramref name="minPerChunk"/>.</summary>
    public int ChunksFor(long count, long minPerChunk) =>
        (int)Math.Clamp(count / Math.Max(1, minPerChunk), 1, Threads);

    /// <summary>Calls body(chunk, start, end) for <paramref name="chunks"/> equal slices of [0, count).</summary>
    public void Run(int count, int chunks, Action<int, int, int> body)
    {
        if (chunks <= 1)
        {
            body(0, 0, count);
            return;
        }
        try
        {
            Parallel.For(0, chunks, _options, c => body(c, (int)((long)count * c / chunks), (int)((long)count * (c + 1) / chunks)));
        }
        catch (AggregateException e) when (e.InnerExceptions.Count >= 1)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            throw; // unreachable
        }
    }
}
