using System.Globalization;

namespace BoltzmannGen.Sampling;

/// <summary>
/// How many conformations one samples file can hold, checked before any work: positions (n, atoms, 3) are one array,
/// and a .NET array holds at most <see cref="Array.MaxLength"/> elements (about 32.5 million conformations of ALDP's 22
/// atoms), and they must fit in memory with their log q. `sample --n 40000000` crashed after sampling; `bgen run` with
/// sample.n = 2,000,000,000 only at the sample stage, after hours of training.
/// </summary>
public static class SampleSizeLimits
{
    /// <summary>The most conformations of <paramref name="atoms"/> atoms whose positions fit in one array.</summary>
    public static long MaxSamples(int atoms) => Array.MaxLength / (3L * Math.Max(1, atoms));

    /// <summary>Bytes a sampler holds for <paramref name="n"/> conformations: float32 positions and float64 log q.</summary>
    public static long Bytes(long n, int atoms) => n * (3L * atoms * sizeof(float) + sizeof(double));

    /// <summary>
    /// Refuses <paramref name="n"/> conformations of <paramref name="system"/> (<paramref name="atoms"/> atoms) that cannot
    /// be held in one samples file, or not in this machine's memory, naming <paramref name="option"/> (--n, sample.n) and
    /// the largest count that fits.
    /// </summary>
    /// <param name="availableBytes">memory the process may use (default: what the GC reports: RAM or the container's limit)</param>
    public static void Check(long n, int atoms, string option, string system = "", long? availableBytes = null)
    {
        var ci = CultureInfo.InvariantCulture;
        string of = system.Length > 0 ? $"{system} ({atoms} atoms)" : $"{atoms} atoms";
        long max = MaxSamples(atoms);
        if (n > max)
            throw new InputException(string.Create(ci,
                $"{option} {n} is more than one samples file can hold for {of}: positions are one array of n × {3 * atoms} values, so {option} can be at most {max}; draw several files with different seeds instead."));
        long available = availableBytes ?? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        long needed = Bytes(n, atoms);
        if (available > 0 && needed > available)
        {
            long fits = available / Math.Max(1, Bytes(1, atoms));
            throw new InputException(string.Create(ci,
                $"{option} {n} needs {needed / 1e9:F1} GB for the positions and log q of {of}, more than the {available / 1e9:F1} GB of memory available; {option} can be at most about {fits} here."));
        }
    }
}
