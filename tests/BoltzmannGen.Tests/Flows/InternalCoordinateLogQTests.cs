using BoltzmannGen.Coordinates;
using BoltzmannGen.Flows;
using BoltzmannGen.Tests.Coordinates;
using MathNet.Numerics.LinearAlgebra;
using TorchSharp;
using static BoltzmannGen.Tests.Flows.FlowTestSupport;
using static TorchSharp.torch;

namespace BoltzmannGen.Tests.Flows;

/// <summary>
/// log q of an internal-coordinate model against an independent reference: the change of variables of the complete
/// sampling map z ↦ x (prior draw → flow → internal-coordinate decode → centred Cartesian nm), measured in the
/// orthonormal Helmert coordinates of the 3N−3 translation-free subspace. There the map is square, so
/// log q(x) = log N(z) − ½·log det(JᵀJ) = log N(z) − log|det J|, with J by central finite differences in double
/// precision. Neither the flow's log-det nor the map's Jacobian enters the reference: only the map's outputs.
/// </summary>
public class InternalCoordinateLogQTests
{
    // Central differences in z: truncation ~h²·f‴/f′ ≈ 1e-10 per entry; round-off ~1e-16/h ≈ 1e-11 nm against
    // columns no shorter than a stiff bond's spread (~1e-3 nm), so log|det J| is good to well under 1e-6.
    private const double Step = 1e-5;

    /// <summary>A float64 nsf model over <paramref name="map"/>, moved away from its identity initialisation.</summary>
    private static BoltzmannFlow PerturbedModel(InternalCoordinateMap map, long seed)
    {
        var model = BoltzmannFlow.Create(map.Atoms, 0.3, "nsf", Small, map).to(float64);
        Perturb(model, 0.05, seed);
        return model;
    }

    /// <summary>Helmert coordinates (rows, D) of the positions the whole sampling map gives for each row of z.</summary>
    private static double[][] SamplingMap(BoltzmannFlow model, double[][] z)
    {
        int d = model.Dimension, atoms = model.Atoms;
        using var scope = NewDisposeScope();
        var input = tensor(z.SelectMany(r => r).ToArray(), [z.Length, d], float64);
        var y = ToDoubles(model.Flow.Forward(input).y);
        var x = new double[z.Length * 3 * atoms];
        model.InternalCoordinates!.DecodeMany(y, z.Length, x); // positions only; its log-det is not used
        return Enumerable.Range(0, z.Length).Select(r => CoordinateData.Helmert(x.AsSpan(r * 3 * atoms, 3 * atoms), atoms)).ToArray();
    }

    /// <summary>log N(z) − log|det ∂(Helmert x)/∂z| with the Jacobian by central differences.</summary>
    private static double ReferenceLogQ(BoltzmannFlow model, double[] z)
    {
        int d = z.Length;
        var shifted = new double[2 * d][];
        for (int j = 0; j < d; j++)
        {
            shifted[2 * j] = (double[])z.Clone();
            shifted[2 * j][j] += Step;
            shifted[2 * j + 1] = (double[])z.Clone();
            shifted[2 * j + 1][j] -= Step;
        }
        var images = SamplingMap(model, shifted);
        var jacobian = Matrix<double>.Build.Dense(d, d);
        for (int j = 0; j < d; j++)
            for (int i = 0; i < d; i++)
                jacobian[i, j] = (images[2 * j][i] - images[2 * j + 1][i]) / (2 * Step);
        double logPrior = -0.5 * z.Sum(v => v * v) - 0.5 * d * Math.Log(2 * Math.PI);
        return logPrior - CoordinateData.LogAbsDet(jacobian);
    }

    [Theory]
    [InlineData("aldp")]
    [InlineData("al4")]
    public void Sampled_log_q_is_the_prior_density_over_the_volume_change_of_the_whole_sampling_map(string system)
    {
        using var scope = NewDisposeScope();
        var map = CoordinateData.FittedMap(system);
        var model = PerturbedModel(map, seed: 31);
        int d = model.Dimension, atoms = model.Atoms;
        Assert.Equal(ScalarType.Float64, model.DType);
        const int n = 3;
        using var noGrad = no_grad();
        var (positions, logQ) = model.Sample(n, new Generator(41));
        var sampled = ToDoubles(logQ);
        var recomputed = ToDoubles(model.LogQ(positions));
        var xs = ToDoubles(positions);

        // The prior draws Sample made: the same generator seed, shape and dtype (checked through the positions below).
        var zFlat = ToDoubles(model.Prior.Sample(n, new Generator(41), CPU, float64));
        var z = Enumerable.Range(0, n).Select(b => zFlat.AsSpan(b * d, d).ToArray()).ToArray();
        var images = SamplingMap(model, z);

        // The flow is far from the identity: its own log-det is a sizeable part of log q.
        var flowLogDet = ToDoubles(model.Flow.Forward(tensor(zFlat, [n, d], float64)).logDet);
        Assert.True(flowLogDet.Min(Math.Abs) > 0.05, $"{system}: flow log-dets {string.Join(", ", flowLogDet)}");

        for (int b = 0; b < n; b++)
        {
            var helmert = CoordinateData.Helmert(xs.AsSpan(b * 3 * atoms, 3 * atoms), atoms);
            Assert.True(helmert.Zip(images[b], (p, q) => Math.Abs(p - q)).Max() <= 1e-12, "the reference must start from Sample's own draw");
            double expected = ReferenceLogQ(model, z[b]);
            Assert.True(Math.Abs(sampled[b] - expected) <= 1e-6,
                $"{system} sample {b}: Sample's log q {sampled[b]:R}, finite differences {expected:R} (Δ {sampled[b] - expected:E2})");
            Assert.True(Math.Abs(recomputed[b] - expected) <= 1e-6,
                $"{system} sample {b}: LogQ(x) {recomputed[b]:R}, finite differences {expected:R} (Δ {recomputed[b] - expected:E2})");
        }
    }
}
