namespace BoltzmannGen.Coordinates;

/// <summary>How a raw internal coordinate is turned into a standardised real number.</summary>
internal enum CoordinateKind
{
    /// <summary>Bond length (nm): affine, y = (value − location)/scale.</summary>
    Length,
    /// <summary>Bond angle (rad): affine, y = (value − location)/scale.</summary>
    Angle,
    /// <summary>
    /// Angle on the circle: value = wrap(location + π·erf(scale·y/√2)), the cut at location + π. With scale 1 a
    /// uniform angle is exactly standard normal in y, and a concentrated one is ≈ Gaussian with spread set by the
    /// scale; the tails are Gaussian (a tan-type map would make a broad angle Cauchy-distributed in y).
    /// </summary>
    Periodic,
    /// <summary>Polar angle θ ∈ (0, π): cos θ = tanh y (no parameters), so a uniform orientation has a fixed law in y.</summary>
    Polar,
}

/// <summary>The one-dimensional maps between raw and standardised coordinates and their log-derivatives.</summary>
internal static class Standardisation
{
    public const double MinLengthScale = 1e-4; // nm
    public const double MinAngleScale = 1e-3;  // rad
    public const double MinPeriodicScale = 1e-3;
    public const double MaxPeriodicScale = 1;

    /// <summary>y from the raw value; adds log|dy/dvalue| to <paramref name="logDet"/>.</summary>
    public static double Forward(CoordinateKind kind, double location, double scale, double value, ref double logDet)
    {
        switch (kind)
        {
            case CoordinateKind.Length:
            case CoordinateKind.Angle:
                logDet -= Math.Log(scale);
                return (value - location) / scale;
            case CoordinateKind.Periodic:
            {
                // The cut point itself (measure zero) is kept finite.
                double p = Math.Clamp(Geometry.Wrap(value - location) / Math.PI, -MaxErf, MaxErf);
                double y = Math.Sqrt(2) * MathNet.Numerics.SpecialFunctions.ErfInv(p) / scale;
                logDet -= PeriodicLogDerivative(scale, y);
                return y;
            }
            default:
            {
                // y = atanh(cos θ) = −log tan(θ/2), written so that θ near 0 or π keeps its precision.
                double y = -Math.Log(Math.Tan(0.5 * value));
                logDet += LogCosh(y);
                return y;
            }
        }
    }

    /// <summary>The raw value from y; adds log|dvalue/dy| to <paramref name="logDet"/>.</summary>
    public static double Inverse(CoordinateKind kind, double location, double scale, double y, ref double logDet)
    {
        switch (kind)
        {
            case CoordinateKind.Length:
            case CoordinateKind.Angle:
                logDet += Math.Log(scale);
                return location + scale * y;
            case CoordinateKind.Periodic:
                logDet += PeriodicLogDerivative(scale, y);
                return Geometry.Wrap(location + Math.PI * MathNet.Numerics.SpecialFunctions.Erf(scale * y / Math.Sqrt(2)));
            default:
                logDet -= LogCosh(y); // |dθ/dy| = sech y
                return 2 * Math.Atan(Math.Exp(-y));
        }
    }

    private const double MaxErf = 1 - 1e-15;

    /// <summary>log|dvalue/dy| = log(s·√(2π)) − s²y²/2 for value = location + π·erf(s·y/√2).</summary>
    private static double PeriodicLogDerivative(double s, double y) => Math.Log(s * Math.Sqrt(2 * Math.PI)) - 0.5 * s * s * y * y;

    /// <summary>log cosh y without overflow for large |y|.</summary>
    public static double LogCosh(double y)
    {
        double a = Math.Abs(y);
        return a + Math.Log(0.5 * (1 + Math.Exp(-2 * a)));
    }
}
