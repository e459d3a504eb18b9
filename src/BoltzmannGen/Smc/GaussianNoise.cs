using BoltzmannGen.Numerics;

namespace BoltzmannGen.Smc;

/// <summary>Standard normal numbers from xoshiro256** by Box–Muller (both values used), so a seed fixes every draw of a run.</summary>
public static class GaussianNoise
{
    public static double[] Draw(int count, Xoshiro256 random)
    {
        var result = new double[count];
        for (int i = 0; i < count; i += 2)
        {
            // 1 − U lies in (0, 1], so the logarithm is finite.
            double radius = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble()));
            double angle = 2 * Math.PI * random.NextDouble();
            result[i] = radius * Math.Cos(angle);
            if (i + 1 < count) result[i + 1] = radius * Math.Sin(angle);
        }
        return result;
    }
}
