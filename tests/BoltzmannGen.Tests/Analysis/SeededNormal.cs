namespace BoltzmannGen.Tests.Analysis;

/// <summary>Reproducible standard-normal draws (Box–Muller on a seeded System.Random) for the statistics tests.</summary>
internal static class SeededNormal
{
    public static double[] Draw(int seed, int count)
    {
        var random = new Random(seed);
        var result = new double[count];
        for (int i = 0; i < count; i += 2)
        {
            double u1 = 1.0 - random.NextDouble(); // (0, 1]: log stays finite
            double u2 = random.NextDouble();
            double r = Math.Sqrt(-2 * Math.Log(u1));
            result[i] = r * Math.Cos(2 * Math.PI * u2);
            if (i + 1 < count) result[i + 1] = r * Math.Sin(2 * Math.PI * u2);
        }
        return result;
    }

    /// <summary>Stationary AR(1): x_t = a·x_{t−1} + ε_t, ε ~ N(0, 1), x_0 ~ N(0, 1/(1−a²)).</summary>
    public static double[] Ar1(int seed, int count, double a)
    {
        var eps = Draw(seed, count);
        var x = new double[count];
        x[0] = eps[0] / Math.Sqrt(1 - a * a);
        for (int t = 1; t < count; t++) x[t] = a * x[t - 1] + eps[t];
        return x;
    }
}
