using System.Diagnostics;
using BoltzmannGen.Coordinates;
using BoltzmannGen.Data;
using BoltzmannGen.Flows;
using BoltzmannGen.Tests.Coordinates;
using BoltzmannGen.Tests.Support;
using MathNet.Numerics.LinearAlgebra;
using TorchSharp;
using Xunit.Abstractions;
using static BoltzmannGen.Tests.Flows.FlowTestSupport;
using static TorchSharp.torch;

namespace BoltzmannGen.Tests.Flows;

/// <summary>
/// Monte-Carlo normalisation check of an internal-coordinate model's log q: for any density p̃ whose normalisation
/// is known analytically and whose support lies where q &gt; 0, E_q[p̃(x)/q(x)] = ∫p̃ = 1, so the mean of p̃/q over
/// the model's own samples must be 1 within its standard error. A constant error c in log q (a wrong centring term,
/// a missing log-scale) moves the mean to e^−c; a wrong Jacobian moves it by far more. The reference value 1 comes
/// from the Gaussian normalisation alone, not from the code under test.
/// <para>
/// Why not simply on aldp: in its 63 Helmert dimensions no Gaussian is close enough to q for p̃/q to have a usable
/// variance (∫p̃²/q grows geometrically with the dimension). Here the same production classes — topology →
/// <see cref="ZMatrix.FromTopology"/> → <see cref="InternalCoordinateMap.Fit"/>, the resnvp architecture, and
/// <see cref="BoltzmannFlow.Sample"/> / <see cref="BoltzmannFlow.LogQ(ReadOnlySpan{double}, int)"/>, which
/// `bgen sample` and `bgen logq` call — are built for a 5-atom fragment, alanine's stereocentre N, CA, C, CB, HA
/// (D = 3N − 3 = 12), where they can be made nearly Gaussian in Cartesian space:
/// </para>
/// <list type="bullet">
/// <item>the map is fitted to the fragment's reference structure plus 0.003 nm noise, all in one orientation, so
/// bonds, angles, torsions and two of the three orientation angles have spreads of a few hundredths of a radian
/// (curvature of the map across q's bulk is a few per cent);</item>
/// <item>the third orientation angle, the polar angle of the first bond, is not standardised by the map
/// (cos θ = tanh y₀): a standard-normal y₀ would swing the whole fragment through ±1 rad, an arc no Gaussian follows.
/// The flow narrows it (log-scale −1.3 in each of the two couplings that transform y₀, as training on
/// fixed-orientation data would), and its weights are perturbed away from the identity as in the other flow tests;</item>
/// <item>p̃ is a product of standard normals truncated to |u| ≤ 3 in u = L⁻¹(h − μ)/0.8, h the Helmert coordinates
/// and μ, LLᵀ the mean and covariance of a separate pilot sample of q, normalised by
/// (2π)^(D/2)·erf(3/√2)^D·0.8^D·det L.
/// Its support is a box whose farthest corner is 3·0.8·√12 ≈ 8 pilot standard deviations from μ, while the places
/// where q vanishes or the map is singular are 15 or more away (measured on the pilot sample: a bond of length 0,
/// 25–34 standard deviations of that bond; a z-matrix angle of 0 or π, 23 or more; the first bond along the lab z
/// axis, 16; a periodic cut, more); on that compact box q is continuous and positive, so p̃/q is bounded
/// and every moment of the estimator is finite. The 0.8 keeps p̃ narrower than q, whose tails are lighter than
/// Gaussian in some directions.</item>
/// </list>
/// With 100,000 draws the standard error is about 0.4 %: a constant error of ±0.03 in log q fails the 4-σ bound (tried).
/// </summary>
public class LogQNormalisationTests(ITestOutputHelper output)
{
    private const int Draws = 100_000, PilotDraws = 20_000;
    private const double Shrink = 0.8, Truncation = 3.0;

    [Fact]
    public void The_importance_ratio_of_a_normalised_density_averages_to_one_under_the_models_own_samples()
    {
        var clock = Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        var (model, atoms) = FragmentModel();
        int d = model.Dimension;

        // Helmert coordinates: p̃ is a density on the translation-free subspace only in an orthonormal basis of it.
        var helmert = CentredCoordinates.HelmertMatrix(atoms);
        for (int k = 0; k < atoms - 1; k++)
        {
            Assert.True(Math.Abs(Enumerable.Range(0, atoms).Sum(i => helmert[k * atoms + i])) < 1e-12);
            for (int m = 0; m < atoms - 1; m++)
            {
                double dot = Enumerable.Range(0, atoms).Sum(i => helmert[k * atoms + i] * helmert[m * atoms + i]);
                Assert.True(Math.Abs(dot - (k == m ? 1 : 0)) < 1e-12);
            }
        }

        using var noGrad = no_grad();
        // p̃ from a pilot sample (its own seed, so p̃ is fixed before the draws that estimate ∫p̃).
        var (pilot, _, _) = Draw(model, PilotDraws, seed: 101);
        var mu = new double[d];
        foreach (var h in pilot) for (int i = 0; i < d; i++) mu[i] += h[i] / PilotDraws;
        var covariance = Matrix<double>.Build.Dense(d, d);
        foreach (var h in pilot)
            for (int i = 0; i < d; i++)
                for (int j = 0; j < d; j++)
                    covariance[i, j] += (h[i] - mu[i]) * (h[j] - mu[j]) / (PilotDraws - 1);
        var l = covariance.Cholesky().Factor;
        double logNormaliser = 0.5 * d * Math.Log(2 * Math.PI) + d * Math.Log(Shrink) + l.Diagonal().Sum(Math.Log)
                             + d * Math.Log(MathNet.Numerics.SpecialFunctions.Erf(Truncation / Math.Sqrt(2)));

        // log p̃(h), or −∞ outside the box.
        double LogDensity(double[] h)
        {
            var t = new double[d];
            double squares = 0;
            for (int i = 0; i < d; i++)
            {
                double v = h[i] - mu[i];
                for (int j = 0; j < i; j++) v -= l[i, j] * t[j];
                t[i] = v / l[i, i];
                double u = t[i] / Shrink;
                if (Math.Abs(u) > Truncation) return double.NegativeInfinity;
                squares += u * u;
            }
            return -0.5 * squares - logNormaliser;
        }

        var (draws, sampledLogQ, positions) = Draw(model, Draws, seed: 202);
        var recomputedLogQ = model.LogQ(positions, batch: 10_000); // `bgen logq` on the same conformations
        var logDensity = draws.Select(LogDensity).ToArray();
        int inside = logDensity.Count(double.IsFinite);

        var results = new[] { ("Sample", sampledLogQ), ("LogQ", recomputedLogQ) }.Select(run =>
        {
            var ratios = logDensity.Zip(run.Item2, (p, q) => Math.Exp(p - q)).ToArray();
            double mean = ratios.Average();
            double se = Math.Sqrt(ratios.Sum(r => (r - mean) * (r - mean)) / (Draws - 1) / Draws);
            double maxShare = ratios.Max() / ratios.Sum();
            return (Mean: mean, Se: se, MaxShare: maxShare, Summary: $"{run.Item1}: E_q[p̃/q] = {mean:F4} ± {se:F4} " +
                $"(n {Draws}, D {d}, {inside} draws inside p̃'s support, largest ratio {maxShare:P3} of the sum)");
        }).ToArray();
        foreach (var r in results) output.WriteLine(r.Summary);
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s");
        foreach (var (mean, se, maxShare, summary) in results)
        {
            var failures = new List<string>();
            if (!(Math.Abs(mean - 1) <= 4 * se)) failures.Add("more than 4 standard errors from 1: log q is not normalised");
            if (!(se <= 0.02)) failures.Add("the standard error is above 2 %, too large to test anything");
            if (!(maxShare <= 0.01))
                failures.Add("one draw holds more than 1 % of the sum: the standard error is not to be trusted");
            Assert.True(failures.Count == 0, $"{summary}: {string.Join("; ", failures)}");
        }
    }

    /// <summary>
    /// The float64 resnvp model over the internal-coordinate map of alanine's N, CA, C, CB, HA (aldp residue 2),
    /// fitted to the reference structure plus 0.003 nm noise.
    /// </summary>
    private static (BoltzmannFlow Model, int Atoms) FragmentModel()
    {
        var system = EnergyFixtures.System("aldp");
        var full = system.Topology;
        int residue = full.Atoms.First(a => a.Name == "CA").ResidueIndex;
        var picked = new[] { "N", "CA", "C", "CB", "HA" }.Select(name => full.Find(residue, name)!.Index).ToArray();
        var topology = new Topology(
            picked.Select((index, i) => full.Atoms[index] with { Index = i, ResidueIndex = 0 }).ToArray(),
            [full.Residues[residue] with { Index = 0 }],
            full.Bonds.Where(b => picked.Contains(b.I) && picked.Contains(b.J))
                .Select(b => (Array.IndexOf(picked, b.I), Array.IndexOf(picked, b.J)))
                .Select(b => (Math.Min(b.Item1, b.Item2), Math.Max(b.Item1, b.Item2))).ToArray());
        int atoms = picked.Length, d = 3 * atoms - 3;

        const int frames = 400;
        var reference = system.ReferencePositions;
        var random = new Random(5);
        var fit = new double[frames * 3 * atoms];
        for (int f = 0; f < frames; f++)
            for (int i = 0; i < atoms; i++)
                for (int a = 0; a < 3; a++)
                    fit[(f * atoms + i) * 3 + a] = reference[3 * picked[i] + a] + 0.003 * CoordinateData.Normal(random);
        var map = InternalCoordinateMap.Fit(ZMatrix.FromTopology(topology), fit, frames);

        var hyperparameters = Small; // 4 couplings (two complementary pairs), conditioners of width 32, seed 7
        var model = BoltzmannFlow.Create(atoms, 0.3, "resnvp", hyperparameters, map).to(float64);
        Perturb(model, 0.05, seed: 31);

        // Narrow the polar orientation coordinate y₀: log-scale −1.3 in each coupling that transforms it (the raw
        // output is bounded as a·tanh(raw/a)), i.e. the bias of that entry of the conditioner's output layer.
        var splits = CouplingSplit.Alternating(d, hyperparameters.Layers, hyperparameters.Seed);
        var biases = model.named_parameters().Where(p => p.name.EndsWith("conditioner.output.bias"))
            .Select(p => p.parameter).ToArray();
        Assert.Equal(splits.Count, biases.Length);
        Assert.Equal(2, splits.Count(s => s.Transform.Contains(0L)));
        using (no_grad())
            for (int layer = 0; layer < splits.Count; layer++)
            {
                int j = Array.IndexOf(splits[layer].Transform, 0L);
                if (j < 0) continue;
                double raw = hyperparameters.ScaleBound * Math.Atanh(-1.3 / hyperparameters.ScaleBound);
                biases[layer][splits[layer].Transform.Length + j] = tensor(raw, float64);
            }
        return (model, atoms);
    }

    /// <summary>n draws of <see cref="BoltzmannFlow.Sample"/> with a private generator: Helmert coordinates, log q and positions.</summary>
    private static (double[][] Helmert, double[] LogQ, double[] Positions) Draw(BoltzmannFlow model, int n, ulong seed)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(seed);
        var (x, logQ) = model.Sample(n, generator);
        var positions = ToDoubles(x);
        int per = 3 * model.Atoms;
        var helmert = Enumerable.Range(0, n).Select(r => CoordinateData.Helmert(positions.AsSpan(r * per, per), model.Atoms)).ToArray();
        return (helmert, ToDoubles(logQ), positions);
    }
}
