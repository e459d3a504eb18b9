using System.Globalization;
using BoltzmannGen.Data;
using BoltzmannGen.Systems;

namespace BoltzmannGen.Tests.Support;

/// <summary>
/// Reference energies and forces from OpenMM's Python app layer (tools/make_energy_fixtures.py), stored under
/// Fixtures/energy/&lt;system&gt;/, and the repository's system catalog.
/// </summary>
internal static class EnergyFixtures
{
    public static readonly string[] Systems = ["aldp", "al3", "al4"];

    public static SystemCatalog Catalog => new(Path.Combine(FixturePath.Get(""), "..", "..", "..", "forcefields"));

    public static PeptideSystem System(string name) => Catalog.Get(name);

    public static string File(string system, string name) => FixturePath.Get(Path.Combine("energy", system, name));

    /// <summary>Energies (kJ/mol) from an energies*.csv written by Python: frame,energy_kj_mol[,reduced_energy].</summary>
    public static double[] Energies(string system, string csv = "energies.csv") => ReadEnergyColumn(File(system, csv));

    public static double[] ReadEnergyColumn(string path) =>
        global::System.IO.File.ReadAllLines(path).Skip(1).Where(l => l.Length > 0)
            .Select(l => double.Parse(l.Split(',')[1], CultureInfo.InvariantCulture)).ToArray();

    public static double[] ReadReducedColumn(string path) =>
        global::System.IO.File.ReadAllLines(path).Skip(1).Where(l => l.Length > 0)
            .Select(l => double.Parse(l.Split(',')[2], CultureInfo.InvariantCulture)).ToArray();

    public static Frames Frames(string system) => FrameFile.Read(File(system, "frames.npy"), System(system).AtomCount);

    public static double[] Forces(string system) => Npy.Read(File(system, "forces.npy")).AsFloat64();
}
