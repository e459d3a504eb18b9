using System.Text.Json;
using BoltzmannGen.Data;

namespace BoltzmannGen.Tests.Support;

/// <summary>
/// The numpy reference of tools/dihedral_reference.py (Fixtures/analysis/aldp_md_window_reference.json): backbone
/// dihedral statistics and ΔF of a fixed 400-frame aldp MD window (Fixtures/analysis/aldp_md_window.npy), and the ΔF
/// of the shipped data/aldp test split and pooled frames, pinned by the sha256 of the files it read.
/// </summary>
internal static class DihedralReference
{
    private static readonly Lazy<JsonElement> Root = new(() =>
        JsonDocument.Parse(File.ReadAllText(FixturePath.Get(Path.Combine("analysis", "aldp_md_window_reference.json")))).RootElement);

    public static JsonElement Json => Root.Value;

    public static Frames Window() => FrameFile.Read(FixturePath.Get(Path.Combine("analysis", "aldp_md_window.npy")), 22);

    /// <summary>The statistics block for <paramref name="replicas"/> replicas.</summary>
    public static JsonElement Statistics(int replicas) =>
        Json.GetProperty("statistics").EnumerateArray().Single(s => s.GetProperty("replicas").GetInt32() == replicas);

    /// <summary>Atom indices of each backbone dihedral, from the script's own PDB parsing.</summary>
    public static IReadOnlyList<(string Label, int[] Atoms)> Dihedrals() =>
        Json.GetProperty("dihedrals").EnumerateObject()
            .Select(p => (p.Name, p.Value.EnumerateArray().Select(v => v.GetInt32()).ToArray())).ToList();

    /// <summary>w_i = (i mod 7) + 0.5, the weights of the script's weighted ΔF case.</summary>
    public static double[] Weights(int n) => Enumerable.Range(0, n).Select(i => i % 7 + 0.5).ToArray();

    /// <summary>
    /// Fails with the command to run when the shipped dataset's file is not the one the reference was computed from
    /// (a re-simulated data/aldp must regenerate the fixture, not silently compare against stale numbers).
    /// </summary>
    public static void RequireSameDataset(string entry, IReadOnlyDictionary<string, string> datasetSha256)
    {
        foreach (var file in Json.GetProperty("dataset").GetProperty(entry).GetProperty("files").EnumerateObject())
            Assert.True(datasetSha256.TryGetValue(file.Name, out var sha) && sha == file.Value.GetString(),
                $"data/aldp/{file.Name} is not the file aldp_md_window_reference.json was computed from; rerun /usr/bin/python3 tools/dihedral_reference.py");
    }
}

/// <summary>
/// A second, deliberately plain implementation of what TrajectoryStatistics reports, written from the definitions
/// (docs/design.md §7, tools/dihedral_reference.py) and sharing no code with the project: Blondel–Karplus angles on
/// the script's atom indices, the autocorrelation by the direct O(N²) sum (the project uses an FFT), Sokal's window,
/// and 10-block standard errors. <see cref="Analysis.TrajectoryReferenceTests"/> checks it against the numpy
/// reference, so tests of data made at test time (`bgen simulate`) can compare against it.
/// </summary>
internal static class DirectTrajectoryStatistics
{
    public const int Blocks = 10;

    public static double Dihedral(ReadOnlySpan<double> x, int[] atoms)
    {
        Span<double> b1 = stackalloc double[3], b2 = stackalloc double[3], b3 = stackalloc double[3];
        for (int d = 0; d < 3; d++)
        {
            b1[d] = x[3 * atoms[1] + d] - x[3 * atoms[0] + d];
            b2[d] = x[3 * atoms[2] + d] - x[3 * atoms[1] + d];
            b3[d] = x[3 * atoms[3] + d] - x[3 * atoms[2] + d];
        }
        var n1 = Cross(b1, b2);
        var n2 = Cross(b2, b3);
        double y = Math.Sqrt(b2[0] * b2[0] + b2[1] * b2[1] + b2[2] * b2[2]) * (b1[0] * n2[0] + b1[1] * n2[1] + b1[2] * n2[2]);
        return Math.Atan2(y, n1[0] * n2[0] + n1[1] * n2[1] + n1[2] * n2[2]);
    }

    /// <summary>sin/cos of every dihedral and the φ &gt; 0 indicator of every φ, by name.</summary>
    public static Dictionary<string, double[]> Observables(Frames frames, IReadOnlyList<(string Label, int[] Atoms)> dihedrals)
    {
        var result = new Dictionary<string, double[]>();
        foreach (var (label, atoms) in dihedrals)
        {
            var angle = Enumerable.Range(0, frames.Count).Select(f => Dihedral(frames.Frame(f), atoms)).ToArray();
            result[$"sin_{label}"] = angle.Select(Math.Sin).ToArray();
            result[$"cos_{label}"] = angle.Select(Math.Cos).ToArray();
            if (label.StartsWith("phi", StringComparison.Ordinal)) result[$"{label}_positive"] = angle.Select(a => a > 0 ? 1.0 : 0.0).ToArray();
        }
        return result;
    }

    /// <summary>τ_int = 1 + 2 Σ_{t≤W} ρ(t), W the first window with W ≥ 5 τ; ρ by the direct sum; constant series: 1.</summary>
    public static double IntegratedTime(double[] x)
    {
        int n = x.Length;
        if (x.All(v => v == x[0])) return 1;
        double mean = x.Average();
        double C(int t)
        {
            double s = 0;
            for (int i = 0; i + t < n; i++) s += (x[i] - mean) * (x[i + t] - mean);
            return s;
        }
        double c0 = C(0), tau = 1;
        for (int w = 1; w < n; w++)
        {
            tau += 2 * C(w) / c0;
            if (w >= 5 * tau) break;
        }
        return tau;
    }

    /// <summary>τ per observable, the mean over <paramref name="replicas"/> equal consecutive blocks of frames.</summary>
    public static Dictionary<string, double> Times(Dictionary<string, double[]> observables, int replicas) =>
        observables.ToDictionary(kv => kv.Key, kv =>
        {
            int per = kv.Value.Length / replicas;
            return Enumerable.Range(0, replicas).Average(r => IntegratedTime(kv.Value[(r * per)..((r + 1) * per)]));
        });

    /// <summary>Mean over all values and sd(10 block means, B−1)/√10 over blocks of ⌊N/10⌋.</summary>
    public static (double Mean, double StandardError) Population(double[] indicator)
    {
        int size = indicator.Length / Blocks;
        var means = Enumerable.Range(0, Blocks).Select(b => indicator.Skip(b * size).Take(size).Average()).ToArray();
        double m = means.Average();
        return (indicator.Average(), Math.Sqrt(means.Sum(v => (v - m) * (v - m)) / (Blocks - 1) / Blocks));
    }

    private static double[] Cross(ReadOnlySpan<double> a, ReadOnlySpan<double> b) =>
        [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}
