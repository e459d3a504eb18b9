using static TorchSharp.torch;

namespace BoltzmannGen.Optimisation;

/// <summary>
/// libtorch's intra-op CPU threads for a stretch of work, then back to what they were (stages of `bgen run` share
/// one process). One thread each is what two jobs sharing two cores want: libtorch's OpenMP threads spin while they
/// wait, and two 2-thread trainings on 2 cores slowed each other several-fold.
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
