namespace BoltzmannGen.Flows;

/// <summary>Shape constraints of a rational-quadratic spline: tail bound B and the minimum bin sizes and slopes.</summary>
public sealed record SplineSettings(double TailBound = 5.0, double MinBinWidth = 1e-3, double MinBinHeight = 1e-3, double MinDerivative = 1e-3)
{
    public void Validate(int bins)
    {
        if (bins < 1) throw new ArgumentOutOfRangeException(nameof(bins), bins, "need at least one bin");
        if (!(TailBound > 0) || double.IsInfinity(TailBound)) throw new ArgumentOutOfRangeException(nameof(TailBound), TailBound, "must be positive and finite");
        if (!(MinBinWidth >= 0 && MinBinWidth * bins < 1)) throw new ArgumentOutOfRangeException(nameof(MinBinWidth), MinBinWidth, $"need 0 ≤ min·K < 1 (K = {bins})");
        if (!(MinBinHeight >= 0 && MinBinHeight * bins < 1)) throw new ArgumentOutOfRangeException(nameof(MinBinHeight), MinBinHeight, $"need 0 ≤ min·K < 1 (K = {bins})");
        if (!(MinDerivative >= 0 && MinDerivative < 1)) throw new ArgumentOutOfRangeException(nameof(MinDerivative), MinDerivative, "need 0 ≤ min < 1");
    }
}
