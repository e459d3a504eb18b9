namespace BoltzmannGen.Coordinates;

/// <summary>The model's length scale s: the RMS distance of atoms from their molecule's centroid in the data (nm).</summary>
public static class LengthScale
{
    public static double FromFrames(ReadOnlySpan<double> positions, int atoms)
    {
        int per = 3 * atoms;
        int frames = positions.Length / per;
        double sum = 0;
        for (int f = 0; f < frames; f++)
        {
            var x = positions.Slice(f * per, per);
            for (int d = 0; d < 3; d++)
            {
                double c = 0;
                for (int i = 0; i < atoms; i++) c += x[3 * i + d];
                c /= atoms;
                for (int i = 0; i < atoms; i++) sum += (x[3 * i + d] - c) * (x[3 * i + d] - c);
            }
        }
        return Math.Sqrt(sum / ((double)frames * atoms));
    }
}
