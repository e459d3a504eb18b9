namespace BoltzmannGen.FineTuning;

/// <summary>
/// The smooth cap a loss puts on a reduced energy: u below c, c + log(1 + u − c) above it. Value and slope are
/// continuous at c, and a clash at u = 10⁸ contributes a slope of 10⁻⁸ instead of dominating the batch. Only losses
/// use it; importance weights always see the true u.
/// </summary>
public static class EnergyCap
{
    public static double Value(double u, double cap) => u <= cap ? u : cap + Math.Log(1 + (u - cap));

    /// <summary>d Value / du.</summary>
    public static double Slope(double u, double cap) => u <= cap ? 1 : 1 / (1 + (u - cap));
}
