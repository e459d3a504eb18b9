using System.Security.Cryptography;
using System.Text.Json;
using BoltzmannGen.Data;
using BoltzmannGen.Systems;

namespace BoltzmannGen.Datasets;

/// <summary>
/// A reference MD dataset folder (docs/design.md §5.1): train/val/test.npy (frames, atoms, 3) float32 nm as contiguous
/// time blocks, *_energy.npy float64 kJ/mol, topology.pdb, trajectory.dcd of all frames, meta.json with
/// provenance, statistics and a sha256 of every file. Loading verifies checksums and the atom count.
/// </summary>
public sealed class ReferenceDataset
{
    public static readonly string[] SplitNames = ["train", "val", "test"];
    public const string MetaFile = "meta.json";

    private ReferenceDataset(string directory, DatasetMeta meta)
    {
        Directory = directory;
        Meta = meta;
    }

    public string Directory { get; }
    public DatasetMeta Meta { get; }

    public static bool Exists(string directory) => File.Exists(Path.Combine(directory, MetaFile));

    /// <summary>Frames of one split (a file meta.json has a checksum for; <see cref="Load"/> verified it).</summary>
    public Frames Split(string name) => FrameFile.Read(Covered($"{name}.npy"), Meta.Atoms);

    /// <summary>Energies (kJ/mol) of one split (a file meta.json has a checksum for).</summary>
    public double[] SplitEnergies(string name) => Npy.Read(Covered($"{name}_energy.npy")).AsFloat64();

    // The path of a file of the folder, refusing one that meta.json's checksums do not cover: nothing is read unverified.
    private string Covered(string file) =>
        Meta.Sha256.ContainsKey(file) ? Path.Combine(Directory, file) : throw MissingChecksum(Directory, file);

    private static InputException MissingChecksum(string directory, string file) =>
        new($"{Path.Combine(directory, file)}: the checksum entry is missing from {MetaFile} (its sha256 has no \"{file}\"), " +
            "so the file cannot be verified; make the dataset again or restore its meta.json.");

    /// <summary>Refuses a dataset with a non-finite coordinate in any split, naming the file and frame (trainers read every split).</summary>
    public void RejectNonFinite()
    {
        foreach (var split in SplitNames)
        {
            if (Split(split).FirstNonFinite() is { } bad)
                throw new InputException($"{Directory}/{split}.npy: frame {bad.Frame} has a non-finite coordinate.");
        }
    }

    public Frames All() => Concatenate(SplitNames);

    /// <summary>
    /// Frames of independent runs of the same protocol, added by `bgen pool`; never used for test metrics, and for
    /// training only when fine-tuning asks for them (md_pooled_runs).
    /// </summary>
    public const string ExtraSplit = "extra";

    /// <summary>Whether extra.npy holds pooled frames of independent runs (meta.json's extra_runs).</summary>
    public bool HasExtraRuns => Meta.ExtraRuns is { Count: > 0 };

    /// <summary>Whether a file of the folder belongs to the pooled runs (extra.npy, extra_energy.npy) rather than to this run.</summary>
    public static bool IsExtraFile(string name) => name.StartsWith(ExtraSplit, StringComparison.Ordinal);

    /// <summary>
    /// This run's frames followed by those of every pooled independent run: what MD free energies (ΔF, profiles,
    /// Ramachandran maps) are estimated from. Equals <see cref="All"/> when nothing was pooled.
    /// </summary>
    public Frames Pooled() => HasExtraRuns ? Concatenate([.. SplitNames, ExtraSplit]) : All();

    /// <summary>What a training stage learns from: the training split, followed by the pooled runs' frames when its md_pooled_runs is set.</summary>
    public Frames TrainingFrames(bool withPooledRuns) => withPooledRuns ? TrainingAndPooledRuns() : Split("train");

    /// <summary>The training split followed by the pooled runs' frames (the teacher's and fine-tuning's md_pooled_runs); refused without pooled runs.</summary>
    public Frames TrainingAndPooledRuns() => HasExtraRuns
        ? Concatenate(["train", ExtraSplit])
        : throw new InputException($"{Directory}: md_pooled_runs=true, but the dataset has no pooled runs (no extra.npy; add runs with `bgen pool`).");

    private Frames Concatenate(IEnumerable<string> splits)
    {
        var parts = splits.Select(Split).ToList();
        return new Frames(parts.Sum(p => p.Count), Meta.Atoms, parts.SelectMany(p => p.Positions).ToArray());
    }

    /// <summary>
    /// Contiguous 80/10/10 blocks of <paramref name="frameCount"/> frames: training never interleaves with test.
    /// </summary>
    public static (int Train, int Val, int Test) SplitSizes(int frameCount)
    {
        int val = frameCount / 10, test = frameCount / 10;
        return (frameCount - val - test, val, test);
    }

    /// <summary>
    /// Writes a dataset. Each file is written atomically; meta.json (with the checksums) is written last, so a
    /// folder without it is never mistaken for a complete dataset.
    /// </summary>
    public static ReferenceDataset Write(string directory, PeptideSystem system, float[] positions, double[] energies,
                                         Func<IReadOnlyDictionary<string, int>, DatasetMeta> meta)
    {
        int per = system.AtomCount * 3;
        int count = energies.Length;
        if (positions.Length != count * per) throw new ArgumentException("positions and energies disagree on the frame count.");
        System.IO.Directory.CreateDirectory(directory);
        var (train, val, test) = SplitSizes(count);
        var sizes = new Dictionary<string, int> { ["train"] = train, ["val"] = val, ["test"] = test };
        int start = 0;
        foreach (var name in SplitNames)
        {
            int n = sizes[name];
            Npy.Write(Path.Combine(directory, $"{name}.npy"), positions[(start * per)..((start + n) * per)], n, system.AtomCount, 3);
            Npy.Write(Path.Combine(directory, $"{name}_energy.npy"), energies[start..(start + n)], n);
            start += n;
        }
        File.Copy(system.TopologyPath, Path.Combine(directory, "topology.pdb"), overwrite: true);
        Dcd.Write(Path.Combine(directory, "trajectory.dcd"),
            new Frames(count, system.AtomCount, Array.ConvertAll(positions, x => (double)x)));

        var checksums = DataFiles.ToDictionary(f => f, f => Sha256(Path.Combine(directory, f)));
        var full = meta(sizes) with { Sha256 = checksums };
        var json = JsonSerializer.SerializeToUtf8Bytes(full, new JsonSerializerOptions { WriteIndented = true });
        AtomicFile.Write(Path.Combine(directory, MetaFile), s => s.Write(json));
        return new ReferenceDataset(directory, full);
    }

    private static IEnumerable<string> DataFiles =>
        SplitNames.SelectMany(n => new[] { $"{n}.npy", $"{n}_energy.npy" }).Concat(["topology.pdb", "trajectory.dcd"]);

    /// <summary>
    /// The files a dataset with this meta.json is read from: every split, its energies, the topology and the
    /// trajectory, and the pooled runs' extra.npy / extra_energy.npy when meta.json lists extra runs. Each must have
    /// a checksum entry.
    /// </summary>
    public static IEnumerable<string> RequiredFiles(DatasetMeta meta) =>
        meta.ExtraRuns is { Count: > 0 } ? DataFiles.Concat([$"{ExtraSplit}.npy", $"{ExtraSplit}_energy.npy"]) : DataFiles;

    /// <summary>
    /// Opens a dataset, refusing a missing file, a file without a checksum entry (<see cref="RequiredFiles"/>), a
    /// checksum mismatch or another system's atom count.
    /// </summary>
    public static ReferenceDataset Load(string directory, PeptideSystem? system = null)
    {
        string metaPath = Path.Combine(directory, MetaFile);
        if (!File.Exists(metaPath))
            throw new InputException($"{directory} is not a dataset: {MetaFile} is missing (make one with `bgen simulate`).");
        DatasetMeta meta;
        try
        {
            meta = JsonSerializer.Deserialize<DatasetMeta>(File.ReadAllText(metaPath)) ?? throw new JsonException("empty");
        }
        catch (JsonException e)
        {
            throw new InputException($"{metaPath} is not valid: {e.Message}", e);
        }
        if (system is not null && (meta.Atoms != system.AtomCount || meta.System != system.Name))
            throw new InputException($"{directory} holds {meta.System} ({meta.Atoms} atoms), not {system.Name} ({system.AtomCount} atoms).");
        foreach (var file in RequiredFiles(meta))
            if (!meta.Sha256.ContainsKey(file)) throw MissingChecksum(directory, file);
        foreach (var (file, expected) in meta.Sha256)
        {
            string path = Path.Combine(directory, file);
            if (!File.Exists(path)) throw new InputException($"{path} is missing from the dataset.");
            if (Sha256(path) != expected)
                throw new InputException($"{path} does not match its checksum in {MetaFile}: the file was changed or damaged.");
        }
        return new ReferenceDataset(directory, meta);
    }

    /// <summary>
    /// What training downstream of a dataset depends on, read from meta.json without loading the frames: the
    /// checksums of train/val/test, their energies, the topology and the trajectory, not those of frames pooled later
    /// by `bgen pool` (which only MD free energies read), so pooling more runs does not retrain anything. A meta.json
    /// that cannot be parsed is its own text (the stage that loads it names the error).
    /// </summary>
    /// <param name="metaJson">the text of the dataset's meta.json</param>
    public static string TrainingFingerprint(string metaJson) => Fingerprint(metaJson, file => !IsExtraFile(file));

    /// <summary>
    /// The checksums of the pooled runs' files alone: what fine-tuning with md_pooled_runs depends on beyond
    /// <see cref="TrainingFingerprint"/>, so pooling another run reruns that stage (and only when it reads them).
    /// </summary>
    public static string PooledRunsFingerprint(string metaJson) => Fingerprint(metaJson, IsExtraFile);

    private static string Fingerprint(string metaJson, Func<string, bool> covers)
    {
        try
        {
            using var doc = JsonDocument.Parse(metaJson);
            if (!doc.RootElement.TryGetProperty("sha256", out var sums) || sums.ValueKind != JsonValueKind.Object) return metaJson;
            return string.Join('\n', sums.EnumerateObject().Where(p => covers(p.Name))
                .Select(p => $"{p.Name}={p.Value}").Order(StringComparer.Ordinal));
        }
        catch (JsonException) { return metaJson; }
    }

    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
