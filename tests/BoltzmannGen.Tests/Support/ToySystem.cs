using System.Text.Json;
using BoltzmannGen.Data;
using BoltzmannGen.Systems;
using OpenMMSharp;

namespace BoltzmannGen.Tests.Support;

/// <summary>
/// A system with a known answer: N particles, each in its own isotropic harmonic well
/// E = ½k|x − x0|², no other forces and no centre-of-motion remover. At temperature T the equipartition
/// theorem gives ⟨E_pot⟩ = ⟨E_kin⟩ = (3N/2)·k_B·T exactly. Written as a system folder (system.json, system.xml,
/// topology.pdb) so the real MD driver can run it.
/// </summary>
internal static class ToySystem
{
    public static PeptideSystem Create(string directory, int particles = 8, double k = 500, double mass = 10, double temperatureK = 300)
    {
        Directory.CreateDirectory(directory);
        using var system = new OpenMMSystem();
        var wells = new CustomExternalForce("0.5*k*((x-x0)^2+(y-y0)^2+(z-z0)^2)");
        wells.AddGlobalParameter("k", k);
        wells.AddPerParticleParameter("x0");
        wells.AddPerParticleParameter("y0");
        wells.AddPerParticleParameter("z0");
        var positions = new double[3 * particles];
        for (int i = 0; i < particles; i++)
        {
            system.AddParticle(mass);
            positions[3 * i] = 0.5 * i;
            wells.AddParticle(i, [0.5 * i, 0, 0]);
        }
        system.AddForce(wells);
        File.WriteAllText(Path.Combine(directory, "system.xml"), XmlSerializer.SerializeSystem(system));

        var atoms = Enumerable.Range(0, particles).Select(i => new Atom(i, "AR", "Ar", i)).ToList();
        var residues = Enumerable.Range(0, particles).Select(i => new Residue(i, "AR", i + 1, "A")).ToList();
        Pdb.Write(Path.Combine(directory, "topology.pdb"), new Topology(atoms, residues, []), positions);
        File.WriteAllText(Path.Combine(directory, "system.json"), JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["name"] = Path.GetFileName(directory), ["molecule"] = "harmonic wells", ["atoms"] = particles,
            ["forcefield"] = "toy", ["solvent"] = "none", ["temperature_k"] = temperatureK,
        }));
        return PeptideSystem.Load(directory);
    }
}
