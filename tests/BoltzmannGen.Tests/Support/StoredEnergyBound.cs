namespace BoltzmannGen.Tests.Support;

/// <summary>
/// How far a stored MD energy may lie from the energy of its stored frame: `bgen simulate` computes the energy before
/// the positions are rounded to float32, which moves each coordinate by at most half a float32 ulp, so
/// |ΔE| ≤ Σ|F_k|·ulp(x_k)/2 to first order; ×1.5 covers the second order and the sums.
/// </summary>
public static class StoredEnergyBound
{
    /// <param name="positions">the frame's coordinates as stored (nm), flattened</param>
    /// <param name="forces">the forces at those coordinates (kJ/mol/nm), same layout</param>
    public static double Of(ReadOnlySpan<double> positions, ReadOnlySpan<double> forces)
    {
        double bound = 0;
        for (int k = 0; k < positions.Length; k++)
        {
            float x = Math.Abs((float)positions[k]);
            bound += Math.Abs(forces[k]) * (MathF.BitIncrement(x) - x) / 2;
        }
        return 1.5 * bound + 1e-9;
    }
}
