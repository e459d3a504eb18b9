using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json;

namespace BoltzmannGen.Coordinates;

/// <summary>Saving and loading the z-matrix and the standardisation parameters as JSON (snake_case keys).</summary>
public sealed partial class InternalCoordinateMap
{
    private const string FormatName = "boltzmanngen-internal-coordinates";
    private const int FormatVersion = 1;

    private static readonly JsonSerializerOptions WriteOptions = new() { WriteIndented = true };

    private static readonly Dictionary<CoordinateKind, string> KindNames = new()
    {
        [CoordinateKind.Length] = "length", [CoordinateKind.Angle] = "angle",
        [CoordinateKind.Periodic] = "periodic", [CoordinateKind.Polar] = "polar",
    };

    /// <summary>The z-matrix and every standardisation parameter; doubles are written round-trippably.</summary>
    public string ToJson() => JsonSerializer.Serialize(new MapDto
    {
        Format = FormatName,
        Version = FormatVersion,
        Atoms = Atoms,
        ZMatrix = ZMatrix.Entries.Select(e => (EntryDto?)new EntryDto { Atom = e.Atom, Bond = e.Bond, Angle = e.Angle, Torsion = e.Torsion }).ToList(),
        AtomLabels = ZMatrix.AtomLabels.ToList(),
        Coordinates = Enumerable.Range(0, Dimension).Select(i => (CoordinateDto?)new CoordinateDto
        {
            Name = CoordinateNames[i], Kind = KindNames[kinds[i]], Location = location[i], Scale = scale[i],
        }).ToList(),
    }, WriteOptions);

    /// <summary>The map as a JSON node, for embedding in model.json / teacher.json.</summary>
    public JsonNode ToJsonNode() => JsonNode.Parse(ToJson())!;

    /// <summary>
    /// The map a model file describes by its `coordinates` setting (cartesian → null, internal → the embedded map);
    /// InvalidDataException for an unknown setting or a missing or damaged map.
    /// </summary>
    public static InternalCoordinateMap? FromSetting(string coordinates, JsonNode? map)
    {
        if (coordinates == "cartesian") return null;
        if (coordinates != "internal") throw new InvalidDataException($"coordinates '{coordinates}' is unknown (cartesian or internal).");
        if (map is null) throw new InvalidDataException("coordinates is internal but internal_coordinates is missing.");
        return FromJson(map.ToJsonString());
    }

    /// <summary>Loads a map written by <see cref="ToJson"/>; InvalidDataException if anything is missing or inconsistent.</summary>
    public static InternalCoordinateMap FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        MapDto dto;
        try { dto = JsonSerializer.Deserialize<MapDto>(json) ?? throw new InvalidDataException("internal-coordinate map JSON is null"); }
        catch (JsonException e) { throw new InvalidDataException($"internal-coordinate map JSON is malformed: {e.Message}", e); }

        if (dto.Format != FormatName) throw new InvalidDataException($"field 'format' must be \"{FormatName}\", got {Quote(dto.Format)}");
        if (dto.Version != FormatVersion) throw new InvalidDataException($"field 'version' must be {FormatVersion}, got {dto.Version?.ToString() ?? "nothing"}");
        int atoms = dto.Atoms ?? throw Missing("atoms");
        var entries = (dto.ZMatrix ?? throw Missing("z_matrix")).Select((e, p) => e == null ? throw Missing($"z_matrix[{p}]") : new ZMatrixEntry(
            e.Atom ?? throw Missing($"z_matrix[{p}].atom"), e.Bond ?? throw Missing($"z_matrix[{p}].bond"),
            e.Angle ?? throw Missing($"z_matrix[{p}].angle"), e.Torsion ?? throw Missing($"z_matrix[{p}].torsion"))).ToList();
        ZMatrix z;
        try { z = new ZMatrix(entries, atoms, dto.AtomLabels); }
        catch (ArgumentException e) { throw new InvalidDataException($"invalid z-matrix in internal-coordinate map JSON: {e.Message}", e); }

        var coordinates = dto.Coordinates ?? throw Missing("coordinates");
        var kinds = Layout(atoms);
        if (coordinates.Count != kinds.Length)
            throw new InvalidDataException($"field 'coordinates' has {coordinates.Count} entries, {atoms} atoms need {kinds.Length}");
        double[] location = new double[kinds.Length], scale = new double[kinds.Length];
        for (int i = 0; i < kinds.Length; i++)
        {
            var c = coordinates[i] ?? throw Missing($"coordinates[{i}]");
            if (c.Kind != KindNames[kinds[i]])
                throw new InvalidDataException($"coordinates[{i}].kind must be \"{KindNames[kinds[i]]}\", got {Quote(c.Kind)}");
            location[i] = c.Location ?? throw Missing($"coordinates[{i}].location");
            scale[i] = c.Scale ?? throw Missing($"coordinates[{i}].scale");
            if (!double.IsFinite(location[i]) || !(scale[i] > 0) || !double.IsFinite(scale[i]))
                throw new InvalidDataException($"coordinates[{i}]: location must be finite and scale positive and finite, got {location[i]} and {scale[i]}");
        }
        return new InternalCoordinateMap(z, location, scale);
    }

    private static InvalidDataException Missing(string field) => new($"internal-coordinate map JSON: field '{field}' is missing or null");

    private static string Quote(string? s) => s == null ? "nothing" : $"\"{s}\"";

    // Nullable fields so that a missing key is reported by name instead of silently becoming 0.
    private sealed class MapDto
    {
        [JsonPropertyName("format")] public string? Format { get; set; }
        [JsonPropertyName("version")] public int? Version { get; set; }
        [JsonPropertyName("atoms")] public int? Atoms { get; set; }
        [JsonPropertyName("z_matrix")] public List<EntryDto?>? ZMatrix { get; set; }
        [JsonPropertyName("atom_labels")] public List<string>? AtomLabels { get; set; }
        [JsonPropertyName("coordinates")] public List<CoordinateDto?>? Coordinates { get; set; }
    }

    private sealed class EntryDto
    {
        [JsonPropertyName("atom")] public int? Atom { get; set; }
        [JsonPropertyName("bond")] public int? Bond { get; set; }
        [JsonPropertyName("angle")] public int? Angle { get; set; }
        [JsonPropertyName("torsion")] public int? Torsion { get; set; }
    }

    private sealed class CoordinateDto
    {
        [JsonPropertyName("name")] public string? Name { get; set; }
        [JsonPropertyName("kind")] public string? Kind { get; set; }
        [JsonPropertyName("location")] public double? Location { get; set; }
        [JsonPropertyName("scale")] public double? Scale { get; set; }
    }
}
