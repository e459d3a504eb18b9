using System.Text.Json.Serialization;
using System.Text.Json;
using BoltzmannGen.Data;

namespace BoltzmannGen.Systems;

/// <summary>
/// A built-in (or user-built) peptide system: one folder of forcefields/ holding topology.pdb (energy-minimised
/// L-peptide), system.xml (a serialized OpenMM System) and system.json (what the system is).
/// </summary>
public sealed class PeptideSystem
{
    private readonly Lazy<PdbFile> _pdb;

    private PeptideSystem(string directory, SystemInfo info)
    {
        Directory = directory;
        Info = info;
        _pdb = new Lazy<PdbFile>(() => Pdb.Read(TopologyPath));
    }

    public string Directory { get; }
    public SystemInfo Info { get; }

    public string Name => Info.Name;
    public int AtomCount => Info.Atoms;
    public double TemperatureK => Info.TemperatureK;

    /// <summary>k_B·T at the system's temperature, kJ/mol.</summary>
    public double KT => Thermodynamics.KT(Info.TemperatureK);

    public string TopologyPath => Path.Combine(Directory, "topology.pdb");
    public string SystemXmlPath => Path.Combine(Directory, "system.xml");

    public Topology Topology => _pdb.Value.Topology;

    /// <summary>The energy-minimised reference conformation, nm, flattened [atom, xyz].</summary>
    public double[] ReferencePositions => _pdb.Value.Frames.Frame(0).ToArray();

    public string ReadSystemXml()
    {
        if (!File.Exists(SystemXmlPath))
            throw new InputException($"System '{Name}': {SystemXmlPath} is missing (rebuild with tools/build_forcefields.py).");
        return File.ReadAllText(SystemXmlPath);
    }

    /// <summary>Loads the system described by <paramref name="directory"/>/system.json.</summary>
    public static PeptideSystem Load(string directory)
    {
        string json = Path.Combine(directory, "system.json");
        if (!File.Exists(json))
            throw new InputException($"{json} is missing: a system folder needs system.json, system.xml and topology.pdb.");
        SystemInfo? info;
        try
        {
            info = JsonSerializer.Deserialize<SystemInfo>(File.ReadAllText(json));
        }
        catch (JsonException e)
        {
            throw new InputException($"{json} is not valid system metadata: {e.Message}", e);
        }
        if (info is null || string.IsNullOrEmpty(info.Name) || info.Atoms <= 0 || info.TemperatureK <= 0)
            throw new InputException($"{json} must give name, atoms > 0 and temperature_k > 0.");
        return new PeptideSystem(directory, info);
    }
}

/// <summary>The contents of system.json, written by tools/build_forcefields.py.</summary>
public sealed record SystemInfo
{
    /// <summary>The molecule's common name, without the description after the first comma.</summary>
    public string ShortMolecule => Molecule.Split(',')[0].Trim();

    [JsonPropertyName("name")] public string Name { get; init; } = "";
    [JsonPropertyName("molecule")] public string Molecule { get; init; } = "";
    [JsonPropertyName("residues")] public IReadOnlyList<string> Residues { get; init; } = [];
    [JsonPropertyName("atoms")] public int Atoms { get; init; }
    [JsonPropertyName("forcefield")] public string ForceField { get; init; } = "";
    [JsonPropertyName("solvent")] public string Solvent { get; init; } = "";
    [JsonPropertyName("temperature_k")] public double TemperatureK { get; init; }
    [JsonPropertyName("nonbonded_method")] public string NonbondedMethod { get; init; } = "";
    [JsonPropertyName("constraints")] public string Constraints { get; init; } = "";
    [JsonPropertyName("openmm_version")] public string OpenMMVersion { get; init; } = "";
}
