using BoltzmannGen.Data;
using BoltzmannGen.Teacher.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace BoltzmannGen.Tests.Teacher.Networks;

/// <summary>
/// Symmetries and contracts of the velocity networks, on a 5-atom toy molecule (no files). References are
/// geometric facts (rotation matrices built here by Rodrigues' formula, atom permutations), finite differences
/// and hand-counted weight numbers, never the networks' own outputs.
/// </summary>
public class VelocityNetworkTests
{
    internal static readonly VelocityHyperparameters Small = new() { Layers = 3, Hidden = 16, TimeEmbedding = 8, Seed = 5 };

    // A chain 0-1-2-3-4 over two residues; atoms 1 and 2 share a type.
    internal static AtomFeatures Toy() => new([0, 1, 1, 2, 0], [0, 0, 1, 1, 1], [(0, 1), (1, 2), (2, 3), (3, 4)]);

    internal static double[] Doubles(Tensor t)
    {
        using var c = t.detach().to(float64, CPU).contiguous();
        return c.data<double>().ToArray();
    }

    /// <summary>(B, D) centred random conformations (B, atoms) and times.</summary>
    private static (Tensor X, Tensor T) Inputs(int batch, int atoms, ulong seed, ScalarType dtype = ScalarType.Float32)
    {
        using var g = new Generator(seed);
        var x = randn([batch, atoms, 3], generator: g, dtype: float64);
        x = (x - x.mean([1], keepdim: true)).reshape(batch, 3 * atoms).to(dtype);
        var t = rand([batch], generator: g, dtype: float64).to(dtype);
        return (x, t);
    }

    /// <summary>Rotation by <paramref name="angle"/> about a unit axis (Rodrigues), optionally composed with the inversion −I.</summary>
    internal static double[,] Rotation(double ax, double ay, double az, double angle, bool reflect = false)
    {
        double n = Math.Sqrt(ax * ax + ay * ay + az * az);
        (ax, ay, az) = (ax / n, ay / n, az / n);
        double c = Math.Cos(angle), s = Math.Sin(angle), C = 1 - c;
        var r = new double[,]
        {
            { c + ax * ax * C, ax * ay * C - az * s, ax * az * C + ay * s },
            { ay * ax * C + az * s, c + ay * ay * C, ay * az * C - ax * s },
            { az * ax * C - ay * s, az * ay * C + ax * s, c + az * az * C },
        };
        if (reflect) for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) r[i, j] = -r[i, j];
        return r;
    }

    /// <summary>Applies R to every atom of flat (B, D) rows and adds the translation c.</summary>
    internal static double[] Transform(double[] x, double[,] r, double[] c)
    {
        var y = new double[x.Length];
        for (int k = 0; k < x.Length; k += 3)
            for (int a = 0; a < 3; a++)
                y[k + a] = r[a, 0] * x[k] + r[a, 1] * x[k + 1] + r[a, 2] * x[k + 2] + c[a];
        return y;
    }

    private static double MaxAbs(double[] x) => x.Max(Math.Abs);

    /// <summary>max |v(Rx + c) − R v(x)| / max |v(x)|.</summary>
    private static double EquivarianceError(VelocityNetwork net, double[,] r, double[] c, ScalarType dtype = ScalarType.Float32)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var (x, t) = Inputs(4, net.Atoms, 11, dtype);
        var v = Doubles(net.Velocity(x, t));
        var moved = tensor(Transform(Doubles(x), r, c), x.shape, float64).to(dtype);
        var vMoved = Doubles(net.Velocity(moved, t));
        var expected = Transform(v, r, [0, 0, 0]);
        Assert.True(MaxAbs(v) > 1e-3, $"the field is nearly zero ({MaxAbs(v):G3}); the test would be vacuous");
        return expected.Zip(vMoved, (a, b) => Math.Abs(a - b)).Max() / MaxAbs(v);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Egnn_velocity_rotates_with_the_input_and_ignores_translations(bool reflect)
    {
        using var net = new EgnnVelocity(Toy(), Small);
        var r = Rotation(0.3, -1.2, 0.7, 2.1, reflect);
        double error = EquivarianceError(net, r, [0.4, -1.3, 2.2]);
        Assert.True(error < 1e-4, $"relative equivariance error {error:G3}");
    }

    [Fact]
    public void Mlp_velocity_is_not_equivariant()
    {
        using var net = new MlpVelocity(5, Small);
        double error = EquivarianceError(net, Rotation(0.3, -1.2, 0.7, 2.1), [0.4, -1.3, 2.2]);
        Assert.True(error > 1e-2, $"an MLP should not be equivariant (relative error {error:G3})");
    }

    [Theory]
    [InlineData("egnn")]
    [InlineData("mlp")]
    public void Velocities_have_zero_mean_over_atoms_and_the_right_shape(string name)
    {
        using var net = VelocityNetworks.Create(name, Toy(), Small);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var (x, t) = Inputs(6, 5, 3);
        // An uncentred input too: the output must be mean-free regardless.
        var v = net.Velocity(x + 0.7, t);
        Assert.Equal([6L, 15L], v.shape);
        var rows = Doubles(v);
        double scale = MaxAbs(rows);
        for (int b = 0; b < 6; b++)
            for (int a = 0; a < 3; a++)
            {
                double mean = 0;
                for (int i = 0; i < 5; i++) mean += rows[b * 15 + 3 * i + a] / 5;
                Assert.True(Math.Abs(mean) < 1e-6 * scale + 1e-7, $"row {b} axis {a}: mean {mean:G3}");
            }
    }

    [Fact]
    public void Egnn_permuting_atoms_together_with_their_features_permutes_the_velocity()
    {
        int[] types = [0, 1, 1, 2, 0], residues = [0, 0, 1, 1, 1];
        (int, int)[] bonds = [(0, 1), (1, 2), (2, 3), (3, 4)];
        int[] perm = [3, 0, 4, 2, 1]; // new atom k is old atom perm[k]
        var inverse = new int[5];
        for (int k = 0; k < 5; k++) inverse[perm[k]] = k;
        var permuted = new AtomFeatures(perm.Select(p => types[p]).ToArray(), perm.Select(p => residues[p]).ToArray(),
            bonds.Select(b => (inverse[b.Item1], inverse[b.Item2])), typeCount: 3, residueCount: 2);
        using var a = new EgnnVelocity(Toy(), Small);
        using var b = new EgnnVelocity(permuted, Small);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var (x, t) = Inputs(3, 5, 21);
        var xs = Doubles(x);
        var xp = new double[xs.Length];
        for (int r = 0; r < 3; r++)
            for (int k = 0; k < 5; k++)
                for (int c = 0; c < 3; c++) xp[r * 15 + 3 * k + c] = xs[r * 15 + 3 * perm[k] + c];
        var va = Doubles(a.Velocity(x, t));
        var vb = Doubles(b.Velocity(tensor(xp, [3, 15], float64).to(float32), t));
        double scale = MaxAbs(va);
        for (int r = 0; r < 3; r++)
            for (int k = 0; k < 5; k++)
                for (int c = 0; c < 3; c++)
                    Assert.True(Math.Abs(vb[r * 15 + 3 * k + c] - va[r * 15 + 3 * perm[k] + c]) < 1e-5 * scale, $"row {r} atom {k} axis {c}");
    }

    [Theory]
    [InlineData("egnn")]
    [InlineData("mlp")]
    public void Jacobian_vector_products_from_autograd_match_central_differences_in_float64(string name)
    {
        using var net = VelocityNetworks.Create(name, Toy(), Small);
        net.to(float64); // buffers (one-hot codes, edges, frequencies) must follow
        using var scope = NewDisposeScope();
        var (x0, t) = Inputs(2, 5, 8, ScalarType.Float64);
        using var g = new Generator(9);
        var direction = randn([2, 15], generator: g, dtype: float64);
        var x = x0.detach().requires_grad_(true);
        var v = net.Velocity(x, t);
        // Jᵀ w by autograd for w = e_k of each output, i.e. the full Jacobian row by row, then J·direction.
        var jac = new double[15, 2, 15];
        for (int k = 0; k < 15; k++)
        {
            var w = zeros([2, 15], dtype: float64);
            w[.., k] = 1;
            var grad = autograd.grad([v], [x], [w], retain_graph: true)[0];
            var gr = Doubles(grad);
            for (int b = 0; b < 2; b++) for (int j = 0; j < 15; j++) jac[k, b, j] = gr[b * 15 + j];
        }
        const double h = 1e-6;
        using var _ = no_grad();
        var plus = Doubles(net.Velocity(x0 + h * direction, t));
        var minus = Doubles(net.Velocity(x0 - h * direction, t));
        var dir = Doubles(direction);
        double worst = 0, scale = 0;
        for (int b = 0; b < 2; b++)
            for (int k = 0; k < 15; k++)
            {
                double jv = 0;
                for (int j = 0; j < 15; j++) jv += jac[k, b, j] * dir[b * 15 + j];
                double fd = (plus[b * 15 + k] - minus[b * 15 + k]) / (2 * h);
                worst = Math.Max(worst, Math.Abs(jv - fd));
                scale = Math.Max(scale, Math.Abs(fd));
            }
        Assert.True(scale > 1e-4, "the field does not depend on x");
        Assert.True(worst < 1e-6 * Math.Max(1, scale), $"autograd J·d vs central difference: {worst:G3} (scale {scale:G3})");
    }

    [Fact]
    public void A_scalar_time_is_broadcast_over_the_batch_and_time_changes_the_field()
    {
        using var net = new EgnnVelocity(Toy(), Small);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var (x, _) = Inputs(3, 5, 4);
        var vScalar = Doubles(net.Velocity(x, tensor(0.25f)));
        var vBatch = Doubles(net.Velocity(x, full([3], 0.25f)));
        Assert.Equal(vBatch, vScalar);
        var vLater = Doubles(net.Velocity(x, full([3], 0.75f)));
        Assert.True(vLater.Zip(vBatch, (p, q) => Math.Abs(p - q)).Max() > 1e-4);
    }

    [Fact]
    public void Same_seed_gives_the_same_weights()
    {
        // That construction leaves the global generator alone: GlobalGeneratorTests (not run in parallel).
        using var a = new EgnnVelocity(Toy(), Small);
        using var b = new EgnnVelocity(Toy(), Small);
        using var c = new EgnnVelocity(Toy(), Small with { Seed = 6 });
        var pa = a.parameters().Select(Doubles).ToArray();
        var pb = b.parameters().Select(Doubles).ToArray();
        var pc = c.parameters().Select(Doubles).ToArray();
        for (int i = 0; i < pa.Length; i++) Assert.Equal(pa[i], pb[i]);
        Assert.Contains(Enumerable.Range(0, pa.Length), i => !pa[i].SequenceEqual(pc[i]));
    }

    [Fact]
    public void Mlp_parameter_count_matches_the_layer_shapes()
    {
        // D = 15, F = 8, H = 16, three hidden layers: (D+F)·H + H + 2·(H·H + H) + H·D + D.
        using var net = VelocityNetworks.Create("mlp", Toy(), Small);
        Assert.Equal(23 * 16 + 16 + 2 * (16 * 16 + 16) + 16 * 15 + 15, net.ParameterCount);
        Assert.Equal("mlp", net.Architecture);
        Assert.Equal(15, net.Dimension);
    }

    [Fact]
    public void Factory_accepts_known_names_in_any_case_and_rejects_unknown_ones_listing_the_valid_names()
    {
        using (var e = VelocityNetworks.Create(" EGNN ", Toy(), Small)) Assert.IsType<EgnnVelocity>(e);
        using (var m = VelocityNetworks.Create("mlp", Toy(), Small)) Assert.IsType<MlpVelocity>(m);
        var ex = Assert.Throws<ArgumentException>(() => VelocityNetworks.Create("transformer", Toy(), Small));
        Assert.Contains("transformer", ex.Message);
        Assert.Contains("egnn", ex.Message);
        Assert.Contains("mlp", ex.Message);
    }

    [Fact]
    public void Bad_inputs_and_hyperparameters_throw_clear_exceptions()
    {
        using var net = new EgnnVelocity(Toy(), Small);
        using var scope = NewDisposeScope();
        var ex = Assert.Throws<ArgumentException>(() => net.Velocity(zeros(2, 12), zeros(2)));
        Assert.Contains("15", ex.Message);
        Assert.Throws<ArgumentException>(() => net.Velocity(zeros(2, 15), zeros(3)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new EgnnVelocity(Toy(), Small with { Layers = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MlpVelocity(5, Small with { TimeEmbedding = 7 }));
        Assert.Throws<ArgumentException>(() => new AtomFeatures([0, 1], [0]));
        Assert.Throws<ArgumentException>(() => new AtomFeatures([0, 1], [0, 0], [(0, 2)]));
    }

    [Fact]
    public void Atom_features_from_a_topology_group_equivalent_atoms_and_number_residues_from_zero()
    {
        // An alanine residue between two caps (names as in the shipped PDBs), residues numbered from 5.
        var atoms = new List<Atom>();
        void Add(string name, string element, int residue) => atoms.Add(new Atom(atoms.Count, name, element, residue));
        Add("C", "C", 5); Add("O", "O", 5);
        Add("N", "N", 6); Add("H", "H", 6); Add("CA", "C", 6); Add("HA", "H", 6);
        Add("CB", "C", 6); Add("HB1", "H", 6); Add("HB2", "H", 6); Add("HB3", "H", 6); Add("C", "C", 6); Add("O", "O", 6);
        Add("N", "N", 7); Add("H", "H", 7);
        var residues = new[] { new Residue(5, "ACE", 1, "A"), new Residue(6, "ALA", 2, "A"), new Residue(7, "NME", 3, "A") };
        (int, int)[] bonds = [(0, 1), (0, 2), (2, 3), (2, 4), (4, 5), (4, 6), (6, 7), (6, 8), (6, 9), (4, 10), (10, 11), (10, 12), (12, 13)];
        var f = AtomFeatures.FromTopology(new Topology(atoms, residues, bonds));

        Assert.Equal(14, f.AtomCount);
        Assert.Equal(3, f.ResidueCount);
        Assert.Equal([0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2], f.ResiduePositions);
        // Distinct classes: C:C, O:O, N:N, H:H, C:CA, H:HA, C:CB, H:HB → 8 types.
        Assert.Equal(8, f.TypeCount);
        Assert.Equal(f.AtomTypes[7], f.AtomTypes[8]);
        Assert.Equal(f.AtomTypes[7], f.AtomTypes[9]);
        Assert.Equal(f.AtomTypes[0], f.AtomTypes[10]);
        Assert.NotEqual(f.AtomTypes[4], f.AtomTypes[6]);
        Assert.NotEqual(f.AtomTypes[3], f.AtomTypes[5]);
        Assert.Equal("H:HB", f.TypeNames[f.AtomTypes[7]]);

        var e = f.EdgeAttributes();
        float Edge(int i, int j, int ch) => e[(i * 14 + j) * AtomFeatures.EdgeChannels + ch];
        Assert.Equal(1, Edge(4, 6, 0)); Assert.Equal(1, Edge(6, 4, 0)); Assert.Equal(0, Edge(4, 6, 1)); // CA–CB bonded
        Assert.Equal(0, Edge(4, 7, 0)); Assert.Equal(1, Edge(4, 7, 1));                                 // CA…HB1: angle partners
        Assert.Equal(0, Edge(0, 7, 0)); Assert.Equal(0, Edge(0, 7, 1));                                 // far apart
        Assert.Equal(0, Edge(3, 3, 0));
    }
}
