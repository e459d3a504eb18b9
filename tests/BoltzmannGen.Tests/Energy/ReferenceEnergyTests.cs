using BoltzmannGen.Data;
using BoltzmannGen.Energy;
using BoltzmannGen.Tests.Support;

namespace BoltzmannGen.Tests.Energy;

/// <summary>
/// Energies and forces against OpenMM's Python app layer (fixtures from tools/make_energy_fixtures.py): the
/// shipped minimised structure (frame 0) and 24 frames of a short Langevin run, for each system.
/// </summary>
public class ReferenceEnergyTests
{
    public static TheoryData<string> Systems => new(EnergyFixtures.Systems);

    [Theory]
    [MemberData(nameof(Systems))]
    public void Energies_match_OpenMM_Python_to_1e4_kJ_per_mol(string name)
    {
        var system = EnergyFixtures.System(name);
        var frames = EnergyFixtures.Frames(name);
        var expected = EnergyFixtures.Energies(name);
        Assert.Equal(25, frames.Count);
        using var energy = PotentialEnergy.For(system, new EnergyOptions { Threads = 2 });
        var result = energy.Evaluate(frames.Positions);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(result.Energies[i] - expected[i]) <= 1e-4, $"{name} frame {i}: {result.Energies[i]} vs {expected[i]}");
    }

    [Theory]
    [MemberData(nameof(Systems))]
    public void Reduced_energies_use_kB_T_at_the_system_temperature(string name)
    {
        var system = EnergyFixtures.System(name);
        var expected = EnergyFixtures.ReadReducedColumn(EnergyFixtures.File(name, "energies.csv"));
        using var energy = PotentialEnergy.For(system, new EnergyOptions { Threads = 1 });
        var reduced = energy.Evaluate(EnergyFixtures.Frames(name).Positions).Reduced;
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], reduced[i], 5);
    }

    [Theory]
    [MemberData(nameof(Systems))]
    public void Forces_match_OpenMM_Python(string name)
    {
        var system = EnergyFixtures.System(name);
        using var energy = PotentialEnergy.For(system, new EnergyOptions { Threads = 2 });
        var forces = energy.Evaluate(EnergyFixtures.Frames(name).Positions, withForces: true).Forces!;
        var expected = EnergyFixtures.Forces(name);
        Assert.Equal(expected.Length, forces.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(forces[i] - expected[i]) <= 1e-6 * Math.Max(1, Math.Abs(expected[i])), $"{name} component {i}: {forces[i]} vs {expected[i]}");
    }

    [Theory]
    [InlineData("aldp", "frames.pdb", "energies_pdb.csv")]
    [InlineData("al3", "frames.dcd", "energies_dcd.csv")]
    [InlineData("al4", "frames.pdb", "energies_pdb.csv")]
    [InlineData("al4", "frames.dcd", "energies_dcd.csv")]
    public void PDB_and_DCD_input_give_the_energies_Python_computes_from_the_same_files(string name, string file, string csv)
    {
        var system = EnergyFixtures.System(name);
        var frames = FrameFile.Read(EnergyFixtures.File(name, file), system.AtomCount);
        var expected = EnergyFixtures.Energies(name, csv);
        using var energy = PotentialEnergy.For(system, new EnergyOptions { Threads = 1 });
        var energies = energy.Evaluate(frames.Positions).Energies;
        Assert.Equal(expected.Length, energies.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(energies[i] - expected[i]) <= 1e-4, $"{name} {file} frame {i}: {energies[i]} vs {expected[i]}");
    }

    [Fact]
    public void Results_are_in_input_order_whatever_the_thread_count()
    {
        var system = EnergyFixtures.System("aldp");
        var frames = EnergyFixtures.Frames("aldp");
        using var one = PotentialEnergy.For(system, new EnergyOptions { Threads = 1 });
        using var three = PotentialEnergy.For(system, new EnergyOptions { Threads = 3 });
        Assert.Equal(one.Evaluate(frames.Positions).Energies, three.Evaluate(frames.Positions).Energies);
    }

    [Fact]
    public void CPU_platform_agrees_with_Reference()
    {
        var system = EnergyFixtures.System("aldp");
        var frames = EnergyFixtures.Frames("aldp");
        using var reference = PotentialEnergy.For(system, new EnergyOptions { Threads = 1 });
        using var cpu = PotentialEnergy.For(system, new EnergyOptions
        {
            Platform = "CPU", Threads = 1, PlatformProperties = new Dictionary<string, string> { ["Threads"] = "1" },
        });
        Assert.Equal("CPU", cpu.PlatformName);
        var a = reference.Evaluate(frames.Positions).Energies;
        var b = cpu.Evaluate(frames.Positions).Energies;
        for (int i = 0; i < a.Length; i++) Assert.Equal(a[i], b[i], 1); // CPU computes nonbonded terms in single precision
    }

    [Fact]
    public void Clashing_atoms_give_a_huge_or_infinite_energy_not_an_error()
    {
        var system = EnergyFixtures.System("aldp");
        var x = system.ReferencePositions;
        // Put the first atom (ACE methyl C) 0.1 pm from the last (NME methyl H) along x: a clash of two non-bonded
        // atoms, which is a bad conformation, not bad input.
        int last = 3 * (system.AtomCount - 1);
        x[0] = x[last] + 1e-4; x[1] = x[last + 1]; x[2] = x[last + 2];
        double r = x[0] - x[last]; // exact (Sterbenz); 1e-4 up to the rounding of the addition
        using var energy = PotentialEnergy.For(system, new EnergyOptions { Threads = 1 });
        var e = energy.Evaluate(x).Energies[0];

        // Known answer: the pair's Lennard-Jones wall 4ε((σ/r)¹² − (σ/r)⁶), Lorentz–Berthelot parameters from system.xml.
        var particles = System.Xml.Linq.XDocument.Parse(system.ReadSystemXml()).Descendants("Force")
            .Single(f => (string?)f.Attribute("type") == "NonbondedForce").Element("Particles")!.Elements("Particle").ToList();
        double Param(int atom, string name) => double.Parse((string)particles[atom].Attribute(name)!, System.Globalization.CultureInfo.InvariantCulture);
        double sigma = (Param(0, "sig") + Param(system.AtomCount - 1, "sig")) / 2;
        double epsilon = Math.Sqrt(Param(0, "eps") * Param(system.AtomCount - 1, "eps"));
        double s6 = Math.Pow(sigma / r, 6), wall = 4 * epsilon * (s6 * s6 - s6);
        // Every other term (Coulomb ~1e4, the rest of the molecule ~1e2 kJ/mol) is 36 orders of magnitude smaller,
        // so the energy is the wall to rounding (r is exact here; measured: 1 ulp apart).
        Assert.True(double.IsFinite(e) && Math.Abs(e - wall) <= 1e-13 * wall, $"energy {e:R}, Lennard-Jones wall {wall:R}");
    }
}
