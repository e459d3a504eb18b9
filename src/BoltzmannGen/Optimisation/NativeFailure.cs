using System.Runtime.InteropServices;

namespace BoltzmannGen.Optimisation;

/// <summary>Why a native (libtorch) call failed, as far as the caller can act on it.</summary>
public enum NativeFailureCause
{
    /// <summary>Not a failure this project knows how to recover from.</summary>
    Unknown,
    /// <summary>
    /// TorchSharp's freed-Scalar race (docs/design.md §8.2): the GC finalised a temporary Scalar while libtorch read
    /// it; the computation is intact up to the last checkpoint, so a resumable job can continue from there.
    /// </summary>
    FreedScalarRace,
}

/// <summary>
/// The one place that reads a native exception's text to name its cause: libtorch reports the race only as an
/// ExternalException whose message cites its Scalar header ("Expected false to be true … Scalar.h … toDouble").
/// </summary>
public static class NativeFailure
{
    public static NativeFailureCause Classify(Exception e) =>
        e is ExternalException && e.Message.Contains("Scalar", StringComparison.Ordinal)
            ? NativeFailureCause.FreedScalarRace
            : NativeFailureCause.Unknown;
}
