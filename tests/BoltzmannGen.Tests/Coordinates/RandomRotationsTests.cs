using BoltzmannGen.Coordinates;
using static TorchSharp.torch;

namespace BoltzmannGen.Tests.Coordinates;

public class RandomRotationsTests
{
    [Fact]
    public void Samples_are_proper_rotations_and_cover_the_sphere_uniformly()
    {
        using var g = new Generator(5);
        var r = RandomRotations.Sample(4000, g, CPU, float64);
        var rtr = r.transpose(1, 2).matmul(r) - eye(3, dtype: float64);
        Assert.True(rtr.abs().max().item<double>() < 1e-12, "RᵀR ≠ I");
        var det = linalg.det(r);
        Assert.True((det - 1).abs().max().item<double>() < 1e-12, "det R ≠ 1");
        // Haar measure: the image of a fixed unit vector is uniform on the sphere, so each coordinate has mean 0
        // and second moment 1/3 (standard errors ~0.009 and ~0.005 for n = 4000).
        var e = r[.., .., 0];
        var mean = e.mean([0]).data<double>().ToArray();
        var second = (e * e).mean([0]).data<double>().ToArray();
        Assert.All(mean, m => Assert.InRange(m, -0.045, 0.045));
        Assert.All(second, m => Assert.InRange(m, 1.0 / 3 - 0.025, 1.0 / 3 + 0.025));
    }
}
