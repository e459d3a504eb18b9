namespace BoltzmannGen.Systems;

/// <summary>Units and constants (docs/design.md §4.1): nm, ps, K, kJ/mol.</summary>
public static class Thermodynamics
{
    /// <summary>Boltzmann constant k_B in kJ/mol/K (the molar gas constant R).</summary>
    public const double BoltzmannConstant = 0.0083144626;

    /// <summary>Thermal energy k_B·T in kJ/mol.</summary>
    public static double KT(double temperatureK) => BoltzmannConstant * temperatureK;

    /// <summary>Reduced energy u = E / k_B T (dimensionless).</summary>
    public static double Reduced(double energyKJPerMol, double temperatureK) => energyKJPerMol / KT(temperatureK);
}
