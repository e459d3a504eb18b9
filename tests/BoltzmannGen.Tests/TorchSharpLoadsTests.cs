using TorchSharp;

namespace BoltzmannGen.Tests;

/// <summary>
/// Guards the libLibTorchSharp.so GLIBCXX patch (Directory.Build.targets): without it, the first tensor throws
/// on Debian 12 because the loader refuses the native library.
/// </summary>
public class TorchSharpLoadsTests
{
    [Fact]
    public void A_tensor_can_be_created_and_computed_with()
    {
        using var x = torch.arange(1, 5, dtype: torch.float64); // 1, 2, 3, 4
        using var y = (x * x).sum();
        Assert.Equal(30.0, y.item<double>());
    }

    [Fact]
    public void Autograd_differentiates_a_polynomial()
    {
        using var x = torch.tensor(3.0, requires_grad: true);
        using var y = x.pow(3);
        y.backward();
        Assert.Equal(27.0, x.grad!.item<double>(), 12); // d/dx x³ = 3x²
    }
}
