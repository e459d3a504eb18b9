using System.Globalization;
using BoltzmannGen.Analysis;
using BoltzmannGen.Data;
using BoltzmannGen.Systems;
using BoltzmannGen.Tests.Support;

namespace BoltzmannGen.Tests.Analysis;

/// <summary>
/// Dihedral angles against hand-built geometry and against an independent numpy computation
/// (tools/make_dihedral_fixtures.py: its own PDB parsing and index derivation, Blondel–Karplus formula).
/// </summary>
public class DihedralsTests
{
    /// <summary>
    /// A = (1,0,0), B = origin, C = (0,0,1), D = (cos θ, sin θ, 1). IUPAC/Klyne–Prelog: look along B→C (towards +z);
    /// seen from that side, with +x to the right, +y points down, so turning the front bond (towards A, 3 o'clock)
    /// onto the back bond (towards D, rotated by θ from +x towards +y) is clockwise for θ in (0, π): the torsion is +θ.
    /// </summary>
    private static double[] Points(double thetaDegrees)
    {
        double t = thetaDegrees * Math.PI / 180;
        return [1, 0, 0, 0, 0, 0, 0, 0, 1, Math.Cos(t), Math.Sin(t), 1];
    }

    private static double Deg(double radians) => radians * 180 / Math.PI;

    [Theory]
    [InlineData(60.0)]
    [InlineData(-90.0)]
    [InlineData(179.0)]
    [InlineData(-179.0)]
    [InlineData(0.0)]
    public void Hand_built_torsions_follow_the_IUPAC_sign(double theta) =>
        Assert.Equal(theta, Deg(Dihedrals.Angle(Points(theta), 0, 1, 2, 3)), 10);

    [Fact]
    public void Trans_is_plus_pi_not_minus_pi()
    {
        double[] p = [1, 0, 0, 0, 0, 0, 0, 0, 1, -1, 0, 1];
        Assert.Equal(Math.PI, Dihedrals.Angle(p, 0, 1, 2, 3));
    }

    [Fact]
    public void Rigid_motion_keeps_the_angle_and_a_mirror_flips_its_sign()
    {
        var p = Points(60);
        // Rotate by 40° about (1,2,3)/√14 (Rodrigues) and translate: the torsion is unchanged.
        double[] k = [1 / Math.Sqrt(14), 2 / Math.Sqrt(14), 3 / Math.Sqrt(14)];
        double c = Math.Cos(0.7), s = Math.Sin(0.7);
        var moved = new double[12];
        var mirrored = new double[12];
        for (int i = 0; i < 4; i++)
        {
            double x = p[3 * i], y = p[3 * i + 1], z = p[3 * i + 2];
            double kv = k[0] * x + k[1] * y + k[2] * z;
            double[] cross = [k[1] * z - k[2] * y, k[2] * x - k[0] * z, k[0] * y - k[1] * x];
            for (int d = 0; d < 3; d++)
                moved[3 * i + d] = new[] { x, y, z }[d] * c + cross[d] * s + k[d] * kv * (1 - c) + (d + 1) * 0.37;
            mirrored[3 * i] = -x; mirrored[3 * i + 1] = y; mirrored[3 * i + 2] = z;
        }
        Assert.Equal(60, Deg(Dihedrals.Angle(moved, 0, 1, 2, 3)), 10);
        Assert.Equal(-60, Deg(Dihedrals.Angle(mirrored, 0, 1, 2, 3)), 10);
    }

    [Fact]
    public void Collinear_atoms_give_zero_not_NaN()
    {
        double[] p = [0, 0, 0, 0, 0, 1, 0, 0, 2, 0, 0, 3];
        Assert.Equal(0, Dihedrals.Angle(p, 0, 1, 2, 3));
    }

    [Fact]
    public void Shipped_aldp_minimum_has_the_phi_psi_its_builder_reports()
    {
        // forcefields/aldp/README.md (tools/build_forcefields.py): minimised (phi, psi) = (-77.5, -14.7) degrees, an
        // L-alanine in the right-handed (φ < 0) region. The PDB's coordinates (0.001 Å) give φ = −77.40°, so the
        // tolerance allows the README's rounding.
        var system = EnergyFixtures.System("aldp");
        var angles = Dihedrals.OfFrame(system.ReferencePositions, BackboneDihedrals.Of(system.Topology));
        Assert.Equal(-77.5, Deg(angles[0]), 0.15);
        Assert.Equal(-14.7, Deg(angles[1]), 0.15);
    }

    public static TheoryData<string> Systems => new(EnergyFixtures.Systems);

    [Theory]
    [MemberData(nameof(Systems))]
    public void Fixture_frames_match_numpy_Blondel_Karplus(string name)
    {
        var system = EnergyFixtures.System(name);
        var definitions = BackboneDihedrals.Of(system.Topology);
        var (labels, expected) = ReadCsv(FixturePath.Get(Path.Combine("analysis", $"{name}_dihedrals.csv")));
        Assert.Equal(labels, definitions.Select(d => d.Label));

        var series = Dihedrals.Series(EnergyFixtures.Frames(name), definitions);
        Assert.Equal(expected.Length, series[0].Length);
        for (int i = 0; i < expected.Length; i++)
            for (int k = 0; k < labels.Length; k++)
                Assert.True(WrappedDifference(series[k][i], expected[i][k]) < 1e-10,
                    $"{name} frame {i} {labels[k]}: {series[k][i]} vs numpy {expected[i][k]}");
    }

    [Fact]
    public void Mirrored_frames_negate_every_angle()
    {
        var frames = EnergyFixtures.Frames("al4");
        var mirrored = (double[])frames.Positions.Clone();
        for (int i = 0; i < mirrored.Length; i += 3) mirrored[i] = -mirrored[i];
        var definitions = BackboneDihedrals.Of(EnergyFixtures.System("al4").Topology);
        var original = Dihedrals.Series(frames, definitions);
        var flipped = Dihedrals.Series(new Frames(frames.Count, frames.AtomCount, mirrored), definitions);
        for (int k = 0; k < definitions.Count; k++)
            for (int i = 0; i < frames.Count; i++)
                Assert.True(WrappedDifference(-original[k][i], flipped[k][i]) < 1e-12);
    }

    [Fact]
    public void Indices_outside_the_frame_are_rejected()
    {
        var frames = new Frames(1, 4, Points(60));
        var bad = new DihedralDefinition("phi9", DihedralKind.Phi, 0, "ALA", 0, 1, 2, 4);
        Assert.Throws<ArgumentException>(() => Dihedrals.Series(frames, [bad]));
    }

    private static double WrappedDifference(double a, double b)
    {
        double d = Math.Abs(a - b) % (2 * Math.PI);
        return Math.Min(d, 2 * Math.PI - d);
    }

    private static (string[] Labels, double[][] Rows) ReadCsv(string path)
    {
        var lines = File.ReadAllLines(path).Where(l => l.Length > 0).ToArray();
        var labels = lines[0].Split(',').Skip(1).ToArray();
        var rows = lines.Skip(1)
            .Select(l => l.Split(',').Skip(1).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray())
            .ToArray();
        return (labels, rows);
    }
}
