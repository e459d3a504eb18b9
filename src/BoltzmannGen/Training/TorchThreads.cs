using static TorchSharp.torch;

namespace BoltzmannGen.Training;

/// <summary>
/// libtorch's intra-op CPU threads for a stretch of work, then back to what they were (stages of `bgen run` share
/// one process). Small networks can be faster on one thread: for the 4 × 256 teacher MLP the OpenMP hand-off costs
/// more than the work it splits (`bgen bench teacher`: 149 training steps/s on one thread, 100 on two).
/// </summary>
public sealed class TorchThreads : IDisposable
{
    private readonly int _previous;

    private TorchThreads(int threads)
    {
        _previous = get_num_threads();
        if (threads > 0) set_num_threads(threads);
    }

    /// <param name="threads">threads to use; 0 keeps libtorch's default (one per core, or OMP_NUM_THREADS)</param>
    public static TorchThreads Use(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        return new TorchThreads(threads);
    }

    public void Dispose() => set_num_threads(_previous);
}
