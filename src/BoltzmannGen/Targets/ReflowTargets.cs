using BoltzmannGen.Data;
using BoltzmannGen.Optimisation;
using BoltzmannGen.Teacher.Ode;
using BoltzmannGen.Teacher;
using static TorchSharp.torch;

namespace BoltzmannGen.Targets;

/// <summary>
/// Reflow pairs for FORT: x0 ~ mean-free Gaussian prior, x1 = the teacher's ODE solution from x0 (no divergence
/// needed, so each pair costs only the solver's field evaluations). Pairs are made in chunks, each with its own
/// seed and written to its own file in a work folder as soon as it is done, so a killed run resumes at the first
/// missing chunk and gives the same pairs as an uninterrupted one. For the same reason the chunks can be made by
/// several processes at once (<see cref="MakePart"/>: part K of N makes chunks K, K+N, K+2N, …, e.g. as Slurm array
/// tasks) and assembled by <see cref="Generate"/>, bit for bit the pairs of a single process. A chunk's file name
/// carries a tag of what it was made from, so chunks of another teacher, seed or solver are never reused.
/// </summary>
public sealed class ReflowTargets(TeacherModel teacher, CnfOptions options, int seed, int chunkSize = 1000)
{
    public int ChunkSize => chunkSize;

    /// <summary>The chunks <paramref name="pairs"/> pairs take.</summary>
    public int Chunks(int pairs) => (pairs + chunkSize - 1) / chunkSize;

    /// <summary>
    /// Pairs (x0, x1) as flat [pair, atom, xyz] float32 arrays in the normalised frame: the chunks already in
    /// <paramref name="workFolder"/> for the same <paramref name="origin"/>, the others made here.
    /// </summary>
    public (float[] X0, float[] X1) Generate(int pairs, string workFolder, string origin, IProgress<int>? progress = null, CancellationToken cancellation = default)
    {
        int d = 3 * teacher.Atoms;
        var x0 = new float[(long)pairs * d];
        var x1 = new float[(long)pairs * d];
        Directory.CreateDirectory(workFolder);
        string tag = Tag(pairs, origin);
        RemoveOtherChunks(workFolder, tag);
        for (int k = 0; k < Chunks(pairs); k++)
        {
            cancellation.ThrowIfCancellationRequested();
            int start = k * chunkSize, n = ChunkPairs(pairs, k);
            var (a, b) = ReadOrMake(workFolder, tag, k, n);
            a.CopyTo(x0.AsSpan(start * d));
            b.CopyTo(x1.AsSpan(start * d));
            progress?.Report(start + n);
        }
        return (x0, x1);
    }

    /// <summary>
    /// Part <paramref name="part"/> of <paramref name="parts"/>: makes (or keeps) chunks part, part + parts, … in
    /// <paramref name="workFolder"/> and nothing else; reports the pairs done. Returns how many chunks it holds.
    /// </summary>
    public int MakePart(int pairs, int part, int parts, string workFolder, string origin, IProgress<int>? progress = null, CancellationToken cancellation = default)
    {
        Directory.CreateDirectory(workFolder);
        string tag = Tag(pairs, origin);
        var chunks = ChunksOfPart(pairs, part, parts);
        int done = 0;
        foreach (int k in chunks)
        {
            cancellation.ThrowIfCancellationRequested();
            int n = ChunkPairs(pairs, k);
            ReadOrMake(workFolder, tag, k, n);
            progress?.Report(done += n);
        }
        return chunks.Count;
    }

    /// <summary>Pairs of part <paramref name="part"/> of <paramref name="parts"/>.</summary>
    public int PairsOfPart(int pairs, int part, int parts) => ChunksOfPart(pairs, part, parts).Sum(k => ChunkPairs(pairs, k));

    /// <summary>The chunks part <paramref name="part"/> of <paramref name="parts"/> makes: part, part + parts, ….</summary>
    private List<int> ChunksOfPart(int pairs, int part, int parts)
    {
        var chunks = new List<int>();
        for (int k = part; k < Chunks(pairs); k += parts) chunks.Add(k);
        return chunks;
    }

    /// <summary>Pairs in chunk <paramref name="k"/>: the chunk size, or what is left for the last chunk.</summary>
    private int ChunkPairs(int pairs, int k) => Math.Min(chunkSize, pairs - k * chunkSize);

    private (float[] X0, float[] X1) ReadOrMake(string workFolder, string tag, int k, int n)
    {
        int d = 3 * teacher.Atoms;
        string file = ChunkFile(workFolder, tag, k);
        var a = new float[n * d];
        var b = new float[n * d];
        if (TryReadChunk(file, n, d, a, b)) return (a, b);
        (a, b) = Chunk(k, n);
        // Npz.Write is atomic, so a part and an assembling run that make the same chunk at once leave one whole file.
        Npz.Write(file, ("x0", new NpyArray(a, n, teacher.Atoms, 3)), ("x1", new NpyArray(b, n, teacher.Atoms, 3)));
        return (a, b);
    }

    /// <summary>
    /// Chunk k's file. Its name carries a tag of everything the chunk depends on (the caller's origin: system, teacher
    /// weights, solver; seed, chunk size, pair count), so chunks of another run in the same folder are never read.
    /// </summary>
    private static string ChunkFile(string workFolder, string tag, int k) => Path.Combine(workFolder, $"chunk-{k:D5}-{tag}.npz");

    private string Tag(int pairs, string origin) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{origin}; seed {seed}; chunk {chunkSize}; pairs {pairs}")))[..12];

    /// <summary>Removes the chunks of other runs (other tags) from a work folder one process assembles alone.</summary>
    private static void RemoveOtherChunks(string workFolder, string tag)
    {
        foreach (var file in Directory.EnumerateFiles(workFolder, "chunk-*.npz"))
            if (!Path.GetFileName(file).EndsWith($"-{tag}.npz", StringComparison.Ordinal)) File.Delete(file);
    }

    /// <summary>Chunk k: its own generator, so it does not depend on which chunks ran before in this process.</summary>
    private (float[] X0, float[] X1) Chunk(int k, int n)
    {
        using var fence = FinalizerFence.Enter();
        using var scope = NewDisposeScope();
        using var generator = new Generator(unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)k + 1));
        using var _ = no_grad();
        var x0 = teacher.Prior.Sample(n, generator, teacher.Device, teacher.DType);
        var x1 = teacher.Flow(options).Transport(x0);
        // targets.npz holds x1 in the normalised Cartesian frame whatever the teacher's own coordinates are.
        if (teacher.InternalCoordinates is not null) x1 = teacher.ToPositions(x1).Positions / teacher.LengthScale;
        return (x0.cpu().to(float32).data<float>().ToArray(), x1.cpu().to(float32).contiguous().data<float>().ToArray());
    }

    private static bool TryReadChunk(string file, int n, int d, Span<float> x0, Span<float> x1)
    {
        if (!File.Exists(file)) return false;
        try
        {
            var a = Npz.Read(file, "x0").AsFloat32();
            var b = Npz.Read(file, "x1").AsFloat32();
            if (a.Length != n * d || b.Length != n * d) return false;
            a.CopyTo(x0);
            b.CopyTo(x1);
            return true;
        }
        catch (Exception e) when (e is InvalidDataException or InputException or IOException)
        {
            return false; // a damaged chunk is simply made again
        }
    }
}
