using BoltzmannGen.Coordinates;
using BoltzmannGen.Data;
using BoltzmannGen.Flows;
using BoltzmannGen.Tests.Support;
using MathNet.Numerics.LinearAlgebra;

namespace BoltzmannGen.Tests.Coordinates;

/// <summary>Shared inputs for the internal-coordinate tests: aldp MD frames, perturbed reference structures, a fitted map.</summary>
internal static class CoordinateData
{
    public const int AldpFrames = 400;

    private static readonly Lazy<double[]> Aldp = new(() =>
    {
        var path = Path.Combine(EnergyFixtures.Catalog.ForceFieldsDirectory, "..", "data", "aldp", "train.npy");
        var all = Npy.Read(path).ToDoubles(); // (n, 22, 3) float32, nm
        // Every 10th frame: less correlated than consecutive ones.
        int atoms = 3 * 22;
        return Enumerable.Range(0, AldpFrames).SelectMany(f => all.AsSpan(10 * f * atoms, atoms).ToArray()).ToArray();
    });

    private static readonly Lazy<InternalCoordinateMap> AldpMapLazy = new(() =>
        InternalCoordinateMap.Fit(ZMatrix.FromTopology(EnergyFixtures.System("aldp").Topology), Aldp.Value, AldpFrames));

    /// <summary><see cref="AldpFrames"/> frames of aldp's training set, [n, 22, 3] nm.</summary>
    public static double[] AldpTrain => Aldp.Value;

    /// <summary>The map fitted to <see cref="AldpTrain"/>.</summary>
    public static InternalCoordinateMap AldpMap => AldpMapLazy.Value;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<InternalCoordinateMap>> Maps = new();

    /// <summary>
    /// A map fitted to <paramref name="system"/>'s shipped training frames (<see cref="AldpMap"/> for aldp; else every
    /// <paramref name="stride"/>-th of the first 400·stride frames), built once per test run.
    /// </summary>
    public static InternalCoordinateMap FittedMap(string system, int stride = 20) => system == "aldp" ? AldpMap :
        Maps.GetOrAdd($"{system}/{stride}", _ => new Lazy<InternalCoordinateMap>(() =>
        {
            var topology = EnergyFixtures.System(system).Topology;
            int per = 3 * topology.AtomCount;
            var path = Path.Combine(EnergyFixtures.Catalog.ForceFieldsDirectory, "..", "data", system, "train.npy");
            var all = Npy.Read(path).ToDoubles();
            int frames = Math.Min(400, all.Length / per / stride);
            var picked = Enumerable.Range(0, frames).SelectMany(f => all.AsSpan(stride * f * per, per).ToArray()).ToArray();
            return InternalCoordinateMap.Fit(ZMatrix.FromTopology(topology), picked, frames);
        })).Value;

    /// <summary>The reference structure of a system plus Gaussian noise of <paramref name="sigma"/> nm per coordinate.</summary>
    public static double[] Perturbed(string system, int frames, double sigma, int seed)
    {
        var reference = EnergyFixtures.System(system).ReferencePositions;
        var random = new Random(seed);
        var result = new double[frames * reference.Length];
        for (int f = 0; f < frames; f++)
            for (int i = 0; i < reference.Length; i++)
                result[f * reference.Length + i] = reference[i] + sigma * Normal(random);
        return result;
    }

    public static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    /// <summary>Helmert coordinates z (token-major, D = 3N−3) of a conformation.</summary>
    public static double[] Helmert(ReadOnlySpan<double> x, int atoms)
    {
        var h = CentredCoordinates.HelmertMatrix(atoms);
        var z = new double[3 * atoms - 3];
        for (int k = 0; k < atoms - 1; k++)
            for (int i = 0; i < atoms; i++)
                for (int a = 0; a < 3; a++)
                    z[3 * k + a] += h[k * atoms + i] * x[3 * i + a];
        return z;
    }

    /// <summary>The centred conformation with Helmert coordinates z.</summary>
    public static double[] FromHelmert(ReadOnlySpan<double> z, int atoms)
    {
        var h = CentredCoordinates.HelmertMatrix(atoms);
        var x = new double[3 * atoms];
        for (int k = 0; k < atoms - 1; k++)
            for (int i = 0; i < atoms; i++)
                for (int a = 0; a < 3; a++)
                    x[3 * i + a] += h[k * atoms + i] * z[3 * k + a];
        return x;
    }

    public static double[] Centred(ReadOnlySpan<double> x)
    {
        int atoms = x.Length / 3;
        var c = x.ToArray();
        for (int a = 0; a < 3; a++)
        {
            double mean = 0;
            for (int i = 0; i < atoms; i++) mean += x[3 * i + a];
            mean /= atoms;
            for (int i = 0; i < atoms; i++) c[3 * i + a] -= mean;
        }
        return c;
    }

    /// <summary>log|det m| from the LU factors (the determinant itself may overflow).</summary>
    public static double LogAbsDet(Matrix<double> m) => m.LU().U.Diagonal().Sum(v => Math.Log(Math.Abs(v)));
}
