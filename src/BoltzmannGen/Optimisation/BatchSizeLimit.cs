namespace BoltzmannGen.Optimisation;

/// <summary>A training batch drawn from a finite set of pairs or frames (flow and teacher alike).</summary>
public static class BatchSizeLimit
{
    /// <summary>
    /// Refuses a batch larger than what it is drawn from (<paramref name="available"/> pairs or frames, described by
    /// <paramref name="what"/>): each step draws batch_size of them, so a larger batch only repeats them, and
    /// batch_size=100000000 on 500 pairs grew to 20 GB before the kernel killed it (and other jobs with it).
    /// </summary>
    public static void Check(int batchSize, long available, string what, string key = "batch_size")
    {
        if (batchSize > available)
            throw new InputException($"{key} {batchSize} is more than the {available} {what}: each step draws {key} of them; use {key}={available} or less.");
    }
}
