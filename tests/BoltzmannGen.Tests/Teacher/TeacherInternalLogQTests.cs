using BoltzmannGen.Coordinates;
using BoltzmannGen.Teacher;
using BoltzmannGen.Teacher.Networks;
using BoltzmannGen.Teacher.Ode;
using BoltzmannGen.Tests.Coordinates;
using MathNet.Numerics.LinearAlgebra;
using TorchSharp;
using static TorchSharp.torch;

namespace BoltzmannGen.Tests.Teacher;

/// <summary>
/// log q of an internal-coordinate teacher against the change of variables of its complete sampling map
/// z0 (Helmert coordinates of the mean-free prior draw) → fixed-step rk4 transport → y (Helmert coordinates of the end
/// state) → decode → Helmert coordinates of the centred positions: log q = log N(z0) − log|det J|, J by central
/// differences of the discrete map. Sample's log q integrates the exact divergence along the same steps instead.
/// </summary>
public class TeacherInternalLogQTests
{
    private const double Step = 1e-5;

    private static double[][] SamplingMap(TeacherModel model, ContinuousFlow flow, InternalCoordinateMap map, double[][] z0)
    {
        int atoms = model.Atoms, d = 3 * atoms - 3;
        using var scope = NewDisposeScope();
        var x0 = z0.SelectMany(z => CoordinateData.FromHelmert(z, atoms)).ToArray();
        using var x1 = flow.Transport(tensor(x0, [z0.Length, 3 * atoms], float64)).to(float64).contiguous();
        var end = x1.data<double>().ToArray();
        var y = Enumerable.Range(0, z0.Length).SelectMany(r => CoordinateData.Helmert(end.AsSpan(r * 3 * atoms, 3 * atoms), atoms)).ToArray();
        var x = new double[z0.Length * 3 * atoms];
        map.DecodeMany(y, z0.Length, x); // positions only; its log-det is not used
        return Enumerable.Range(0, z0.Length).Select(r => CoordinateData.Helmert(x.AsSpan(r * 3 * atoms, 3 * atoms), atoms)).ToArray();
    }

    [Fact]
    public void Teacher_log_q_is_the_prior_density_over_the_volume_change_of_the_whole_sampling_map()
    {
        using var scope = NewDisposeScope();
        var map = CoordinateData.AldpMap;
        int atoms = map.Atoms, d = map.Dimension;
        var network = new MlpVelocity(atoms, new VelocityHyperparameters { Layers = 2, Hidden = 32, TimeEmbedding = 8, Seed = 3 });
        // Freshly initialised the field is weak (∫ div v dt ≈ 0.02): perturb it into a non-trivial transport (≈ 0.4–0.5),
        // not so strong that y is pushed into the flat tails of the angle maps (there both rk4 and the differences degrade).
        Flows.FlowTestSupport.Perturb(network, 0.15, seed: 4);
        var model = new TeacherModel(network, 0.3, map);
        model.to(float64);
        var options = new CnfOptions { Solver = "rk4", Steps = 128 };
        var flow = model.Flow(options);
        const int n = 2;
        var (positions, logQ) = model.Sample(n, new Generator(12), options);
        var sampled = logQ.data<double>().ToArray();
        var xs = positions.to(float64).contiguous().data<double>().ToArray();

        var x0 = model.Prior.Sample(n, new Generator(12), CPU, float64).contiguous().data<double>().ToArray();
        var z0 = Enumerable.Range(0, n).Select(b => CoordinateData.Helmert(x0.AsSpan(b * 3 * atoms, 3 * atoms), atoms)).ToArray();
        var images = SamplingMap(model, flow, map, z0);

        // The velocity is far from zero: the transport's own log-det (∫ div v dt) is a sizeable part of log q.
        var (_, flowLogQ) = flow.Sample(tensor(x0, [n, 3 * atoms], float64));
        var divergence = (model.Prior.LogProb(tensor(x0, [n, 3 * atoms], float64)) - flowLogQ.to(float64)).data<double>().ToArray();
        Assert.True(divergence.Min(Math.Abs) > 0.3, $"∫ div v dt = {string.Join(", ", divergence)}");
        for (int b = 0; b < n; b++)
        {
            var helmert = CoordinateData.Helmert(xs.AsSpan(b * 3 * atoms, 3 * atoms), atoms);
            Assert.True(helmert.Zip(images[b], (p, q) => Math.Abs(p - q)).Max() <= 1e-10, "the reference must start from Sample's own draw");

            var shifted = new double[2 * d][];
            for (int j = 0; j < d; j++)
            {
                shifted[2 * j] = (double[])z0[b].Clone();
                shifted[2 * j][j] += Step;
                shifted[2 * j + 1] = (double[])z0[b].Clone();
                shifted[2 * j + 1][j] -= Step;
            }
            var moved = SamplingMap(model, flow, map, shifted);
            var jacobian = Matrix<double>.Build.Dense(d, d);
            for (int j = 0; j < d; j++)
                for (int i = 0; i < d; i++)
                    jacobian[i, j] = (moved[2 * j][i] - moved[2 * j + 1][i]) / (2 * Step);
            double logPrior = -0.5 * z0[b].Sum(v => v * v) - 0.5 * d * Math.Log(2 * Math.PI);
            double expected = logPrior - CoordinateData.LogAbsDet(jacobian);
            // rk4's integrated divergence is not the exact log-det of the discrete rk4 map: they agree as the steps
            // shrink (here Δ ≈ 3e-6 at 64 steps, ≤ 3e-7 at 128; the differences themselves move < 1e-7 from h = 1e-4 to 1e-6).
            Assert.True(Math.Abs(sampled[b] - expected) <= 1e-6,
                $"sample {b}: Sample's log q {sampled[b]:R}, finite differences {expected:R} (Δ {sampled[b] - expected:E2})");
        }
    }
}
