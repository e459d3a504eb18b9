using BoltzmannGen.Data;
using BoltzmannGen.Datasets;
using BoltzmannGen.Reporting;
using BoltzmannGen.Reporting.Metrics;
using BoltzmannGen.Sampling;
using BoltzmannGen.Tests.Support;

namespace BoltzmannGen.Tests.Reporting.Metrics;

/// <summary>
/// The MD floors (t_w2_md_floor, e_w1_md_floor) compare the reference's train split with its test split, whatever the
/// samples. On a dataset whose train split is one conformation A repeated and whose test split is another, B, both
/// sets collapse to a point: T-W2 is the torus distance between A's and B's backbone dihedrals (computed here by the
/// plain implementation checked against numpy, DirectTrajectoryStatistics) and E-W1 is |u_A − u_B|.
/// </summary>
public class MdFloorMetricsTests
{
    private const double EnergyA = -120.0, EnergyB = -95.5;   // kJ/mol

    private static (MetricInputs Inputs, double[] A, double[] B) Inputs(TempDir dir)
    {
        var system = EnergyFixtures.System("aldp");
        var shipped = ReferenceDataset.Load(Path.Combine(EnergyFixtures.Catalog.ForceFieldsDirectory, "..", "data", "aldp"), system);
        var test = shipped.Split("test");
        double[] a = test.Frame(0).ToArray(), b = test.Frame(1500).ToArray();
        const int frames = 20;   // splits 16 / 2 / 2
        int per = a.Length;
        var positions = new float[frames * per];
        var energies = new double[frames];
        for (int f = 0; f < frames; f++)
        {
            var source = f < 16 ? a : b;
            for (int i = 0; i < per; i++) positions[f * per + i] = (float)source[i];
            energies[f] = f < 16 ? EnergyA : EnergyB;
        }
        var reference = ReferenceDataset.Write(dir.File("md"), system, positions, energies,
            sizes => new DatasetMeta { System = "aldp", Atoms = system.AtomCount, Frames = sizes });

        // The samples do not enter the floors: three frames of the shipped data with equal weights.
        string path = dir.File("samples.npz");
        const int n = 3;
        Npz.Write(path, ("positions", new NpyArray(Array.ConvertAll(test.Positions[..(n * per)], v => (float)v), n, 22, 3)),
                        ("log_q", new NpyArray(new double[n], n)), ("energy", new NpyArray(shipped.SplitEnergies("test")[..n], n)),
                        ("log_w", new NpyArray(new double[n], n)), ("valid", new NpyArray(Enumerable.Repeat(true, n).ToArray(), n)));
        // Float32 storage rounds the positions; the expected angles use the rounded ones.
        return (new MetricInputs(system, reference, new ReportOptions(), SampleFile.Read(path, 22), null, []),
                Array.ConvertAll(positions[..per], v => (double)v), Array.ConvertAll(positions[^per..], v => (double)v));
    }

    [Fact]
    public void T_W2_floor_is_the_torus_distance_between_the_train_and_test_conformations()
    {
        using var dir = new TempDir();
        var (inputs, a, b) = Inputs(dir);
        double squared = 0;
        foreach (var (_, atoms) in DihedralReference.Dihedrals())
        {
            double d = Math.Abs(DirectTrajectoryStatistics.Dihedral(a, atoms) - DirectTrajectoryStatistics.Dihedral(b, atoms)) % (2 * Math.PI);
            d = Math.Min(d, 2 * Math.PI - d);
            squared += d * d;
        }
        Assert.True(squared > 0.01, "the two conformations must differ for the test to mean anything");
        Assert.Equal(Math.Sqrt(squared), MetricRegistry.Get("t_w2_md_floor").Compute(inputs)!.Value, 9);
    }

    [Fact]
    public void E_W1_floor_is_the_reduced_energy_gap_between_the_train_and_test_frames()
    {
        using var dir = new TempDir();
        var (inputs, _, _) = Inputs(dir);
        double kT = 0.0083144626 * 300;   // k_B T at 300 K, kJ/mol
        Assert.Equal((EnergyB - EnergyA) / kT, MetricRegistry.Get("e_w1_md_floor").Compute(inputs)!.Value, 4);
    }
}
