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
/// missing chunk and gives the same pairs as an uninterrupted one.
/// </summary>
public sealed class ReflowTargets(TeacherModel teacher, CnfOptions options, int seed, int chunkSize = 1000)
{
    public int ChunkSize => chunkSize;

    /// <summary>Pairs (x0, x1) as flat [pair, atom, xyz] float32 arrays in the normalised frame.</summary>
    public (float[] X0, float[] X1) Generate(int pairs, string workFolder, IProgress<int>? progress = null, CancellationToken cancellation = default)
    {
        int d = 3 * teacher.Atoms;
        var x0 = new float[(long)pairs * d];
        var x1 = new float[(long)pairs * d];
        Directory.CreateDirectory(workFolder);
        int chunks = (pairs + chunkSize - 1) / chunkSize;
        for (int k = 0; k < chunks; k++)
        {
            cancellation.ThrowIfCancellationRequested();
            int start = k * chunkSize, n = Math.Min(chunkSize, pairs - start);
            string file = Path.Combine(workFolder, $"chunk-{k:D5}.npz");
            if (!TryReadChunk(file, n, d, x0.AsSpan(start * d, n * d), x1.AsSpan(start * d, n * d)))
            {
                var (a, b) = Chunk(k, n);
                Npz.Write(file, ("x0", new NpyArray(a, n, teacher.Atoms, 3)), ("x1", new NpyArray(b, n, teacher.Atoms, 3)));
                a.CopyTo(x0.AsSpan(start * d));
                b.CopyTo(x1.AsSpan(start * d));
            }
            progress?.Report(start + n);
        }
        return (x0, x1);
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
