using System.Text.Json.Serialization;
using System.Text.Json;
using System.Text;
using BoltzmannGen.Data;

namespace BoltzmannGen.Targets;

/// <summary>Provenance of a targets file (stored as a JSON byte array "meta" inside the npz).</summary>
public sealed record TargetsMeta
{
    [JsonPropertyName("system")] public string System { get; init; } = "";
    [JsonPropertyName("kind")] public string Kind { get; init; } = "";
    [JsonPropertyName("pairs")] public int Pairs { get; init; }
    [JsonPropertyName("seed")] public int Seed { get; init; }
    [JsonPropertyName("source")] public string Source { get; init; } = "";
    [JsonPropertyName("align")] public string Align { get; init; } = "none";
    /// <summary>ot: the space the assignment cost was taken in (cartesian or internal).</summary>
    [JsonPropertyName("cost")] public string? Cost { get; init; }
    [JsonPropertyName("mean_squared_distance_random")] public double MeanSquaredDistanceRandom { get; init; }
    [JsonPropertyName("mean_squared_distance_paired")] public double MeanSquaredDistancePaired { get; init; }
    [JsonPropertyName("seconds")] public double Seconds { get; init; }
    /// <summary>sha256 of the x0 bytes followed by the x1 bytes (float32, little-endian); required and checked when read.</summary>
    [JsonPropertyName("sha256")] public string? Sha256 { get; init; }
    /// <summary>Reflow: the ODE solver and steps that made x1.</summary>
    [JsonPropertyName("solver")] public string? Solver { get; init; }
    /// <summary>
    /// Reflow from an internal-coordinate teacher: the teacher's internal-coordinate map. x0 holds the teacher's own
    /// prior draws, so a student with this map regresses onto the teacher's smooth latent-space map; a map fitted
    /// anew puts its periodic cuts elsewhere (an arbitrary one for a uniform angle), and pairs that straddle a cut
    /// become jumps no diffeomorphism can follow.
    /// </summary>
    [JsonPropertyName("internal_coordinates")] public System.Text.Json.Nodes.JsonNode? InternalCoordinates { get; init; }
}

/// <summary>
/// targets.npz (docs/design.md §5.2): x0 and x1, (n, atoms, 3) float32 in the model's normalised frame (centred, divided
/// by the length scale), the scale in nm, and a meta JSON. The same contract for OT and reflow targets, so
/// `bgen train --objective fort --targets …` takes either.
/// </summary>
public sealed record TargetsFile(float[] X0, float[] X1, int Pairs, int Atoms, double Scale, TargetsMeta Meta)
{
    public void Write(string path)
    {
        var meta = JsonSerializer.SerializeToUtf8Bytes(Meta with { Sha256 = Checksum(X0, X1) });
        Npz.Write(path,
            ("x0", new NpyArray(X0, Pairs, Atoms, 3)),
            ("x1", new NpyArray(X1, Pairs, Atoms, 3)),
            ("scale", new NpyArray([Scale], 1)),
            ("meta", new NpyArray(meta, meta.Length)));
    }

    /// <summary>Reads and checks a targets file against the system it is meant for.</summary>
    public static TargetsFile Read(string path, string system, int atoms)
    {
        if (!File.Exists(path)) throw new InputException($"--targets {path}: file not found.");
        var names = Npz.Names(path);
        foreach (var required in new[] { "x0", "x1", "scale", "meta" })
            if (!names.Contains(required)) throw new InputException($"--targets {path}: no '{required}' array (found {string.Join(", ", names)}).");
        var x0 = Npz.Read(path, "x0");
        var x1 = Npz.Read(path, "x1");
        if (x0.Rank != 3 || x0.Shape[2] != 3 || !x0.Shape.SequenceEqual(x1.Shape))
            throw new InputException($"--targets {path}: x0 is {x0.ShapeString} and x1 is {x1.ShapeString}; both must be (pairs, atoms, 3).");
        TargetsMeta meta;
        try
        {
            meta = JsonSerializer.Deserialize<TargetsMeta>(Encoding.UTF8.GetString(Npz.Read(path, "meta").AsUInt8())) ?? throw new JsonException("empty");
        }
        catch (JsonException e)
        {
            throw new InputException($"--targets {path}: unreadable meta: {e.Message}", e);
        }
        if (meta.System != system || x0.Shape[1] != atoms)
            throw new InputException($"--targets {path} were made for {meta.System} ({x0.Shape[1]} atoms), not {system} ({atoms} atoms).");
        double scale = Npz.Read(path, "scale").ToDoubles()[0];
        if (!(scale > 0)) throw new InputException($"--targets {path}: scale must be positive (got {scale}).");
        var a = x0.AsFloat32();
        var b = x1.AsFloat32();
        for (int i = 0; i < a.Length; i++)
            if (!float.IsFinite(a[i]) || !float.IsFinite(b[i]))
                throw new InputException($"--targets {path}: pair {i / (3 * atoms)} has a non-finite coordinate.");
        if (meta.Sha256 is null)
            throw new InputException($"--targets {path}: the checksum entry is missing from its meta (no sha256 of the pairs), so the pairs cannot be verified; make the targets again.");
        if (meta.Sha256 != Checksum(a, b))
            throw new InputException($"--targets {path}: the pairs do not match the checksum in its meta (damaged or edited file); make the targets again.");
        return new TargetsFile(a, b, x0.Shape[0], atoms, scale, meta);
    }

    public static string Checksum(float[] x0, float[] x1)
    {
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(x0.AsSpan()));
        sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(x1.AsSpan()));
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
