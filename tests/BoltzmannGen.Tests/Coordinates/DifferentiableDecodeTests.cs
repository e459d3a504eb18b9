using BoltzmannGen.Flows;
using BoltzmannGen.Optimisation;
using TorchSharp;
using static BoltzmannGen.Tests.Coordinates.CoordinateData;
using static TorchSharp.torch;

namespace BoltzmannGen.Tests.Coordinates;

/// <summary>
/// The autograd decode (InternalCoordinateTensors.DecodeDifferentiable) against the double-precision map: values,
/// gradients against finite differences of DecodeMany, and its log-Jacobian against the autograd Jacobian.
/// </summary>
public class DifferentiableDecodeTests
{
    [Theory]
    [InlineData("aldp", 1.0)]
    [InlineData("al4", 1.0)]
    [InlineData("aldp", 4.0)] // far tails: saturated erf, |y₀| up to ~15
    public void Values_match_DecodeMany(string system, double spread)
    {
        var map = FittedMap(system);
        const int frames = 64;
        var y = RandomY(map.Dimension, frames, spread, seed: 5);
        var expected = new double[frames * 3 * map.Atoms];
        double[] expectedLogJ = map.DecodeMany(y, frames, expected);

        using var fence = FinalizerFence.Enter();
        using var scope = NewDisposeScope();
        var (x, logJ) = InternalCoordinateTensors.DecodeDifferentiable(map, tensor(y, [frames, map.Dimension], float64));
        Assert.Equal([frames, map.Atoms, 3], x.shape);
        Assert.Equal([frames], logJ.shape);
        AssertClose(expected, ToDoubles(x), 1e-9, $"{system} position");
        AssertClose(expectedLogJ, ToDoubles(logJ), 1e-9, $"{system} log-Jacobian");
    }

    [Fact]
    public void Float32_input_is_widened_and_gets_a_float32_gradient()
    {
        var map = AldpMap;
        const int frames = 8;
        using var fence = FinalizerFence.Enter();
        using var scope = NewDisposeScope();
        var y = tensor(RandomY(map.Dimension, frames, 1, seed: 6), [frames, map.Dimension], float32).requires_grad_();
        var (x, logJ) = InternalCoordinateTensors.DecodeDifferentiable(map, y);
        Assert.Equal(float64, x.dtype);
        Assert.Equal(float64, logJ.dtype);

        var expected = new double[frames * 3 * map.Atoms];
        double[] expectedLogJ = map.DecodeMany(ToDoubles(y), frames, expected); // the float32 values, exactly widened
        AssertClose(expected, ToDoubles(x), 1e-9, "position");
        AssertClose(expectedLogJ, ToDoubles(logJ), 1e-9, "log-Jacobian");

        logJ.sum().backward();
        Assert.Equal(float32, y.grad!.dtype);
        Assert.All(ToDoubles(y.grad), g => Assert.True(double.IsFinite(g)));
        Assert.Contains(ToDoubles(y.grad), g => g != 0);
    }

    [Theory]
    [InlineData("aldp")]
    [InlineData("al4")]
    public void Gradients_match_central_differences_of_DecodeMany(string system)
    {
        // L = Σ w·x + log J per frame; each frame's L depends on its own y only.
        var map = FittedMap(system);
        int d = map.Dimension, size = 3 * map.Atoms;
        const int frames = 3;
        var y = RandomY(d, frames, 1, seed: 9);
        var w = RandomY(size, frames, 1, seed: 10);

        double[] autograd;
        using (FinalizerFence.Enter())
        using (NewDisposeScope())
        {
            var yt = tensor(y, [frames, d], float64).requires_grad_();
            var (x, logJ) = InternalCoordinateTensors.DecodeDifferentiable(map, yt);
            var loss = (x.reshape(frames, size) * tensor(w, [frames, size], float64)).sum() + logJ.sum();
            loss.backward();
            autograd = ToDoubles(yt.grad!);
        }

        const double h = 1e-5;
        var shifted = new double[2 * d * d];
        var positions = new double[2 * d * size];
        for (int f = 0; f < frames; f++)
        {
            for (int i = 0; i < d; i++)
                for (int s = 0; s < 2; s++)
                {
                    var row = shifted.AsSpan((2 * i + s) * d, d);
                    y.AsSpan(f * d, d).CopyTo(row);
                    row[i] += s == 0 ? h : -h;
                }
            double[] logJ = map.DecodeMany(shifted, 2 * d, positions);
            double L(int k)
            {
                double sum = logJ[k];
                for (int c = 0; c < size; c++) sum += w[f * size + c] * positions[k * size + c];
                return sum;
            }
            for (int i = 0; i < d; i++)
            {
                double numeric = (L(2 * i) - L(2 * i + 1)) / (2 * h), exact = autograd[f * d + i];
                Assert.True(Math.Abs(exact - numeric) <= 1e-6 * Math.Max(1, Math.Abs(numeric)),
                    $"{system} frame {f} {map.CoordinateNames[i]}: autograd {exact}, finite differences {numeric}");
            }
        }
    }

    [Theory]
    [InlineData("aldp")]
    [InlineData("al4")]
    public void Log_jacobian_is_log_det_of_the_autograd_jacobian_in_helmert_coordinates(string system)
    {
        var map = FittedMap(system);
        int d = map.Dimension;
        using var fence = FinalizerFence.Enter();
        using var scope = NewDisposeScope();
        using var helmert = new CentredCoordinates(map.Atoms, 1.0);
        helmert.to(float64);
        // D copies of one frame: row b of ∂(Σ_b z_b[b])/∂y is row b of the Jacobian ∂z/∂y, in one backward pass.
        var y = tensor(RandomY(d, 1, 1, seed: 12), [1, d], float64).repeat(d, 1).requires_grad_();
        var (x, logJ) = InternalCoordinateTensors.DecodeDifferentiable(map, y);
        helmert.Project(x).diagonal().sum().backward();
        var (_, logAbsDet) = linalg.slogdet(y.grad!);
        double expected = ToDoubles(logJ)[0], actual = logAbsDet.item<double>();
        Assert.True(Math.Abs(actual - expected) <= 1e-8, $"{system}: log|det J| {actual}, returned {expected}");
    }

    private static double[] RandomY(int dimension, int frames, double spread, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, frames * dimension).Select(_ => spread * Normal(random)).ToArray();
    }

    private static double[] ToDoubles(Tensor t)
    {
        using var c = t.detach().to(float64, CPU).contiguous();
        return c.data<double>().ToArray();
    }

    private static void AssertClose(double[] expected, double[] actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= tolerance, $"{what} {i}: {actual[i]} vs {expected[i]}");
    }
}
