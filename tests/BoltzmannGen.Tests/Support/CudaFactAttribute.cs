using static TorchSharp.torch;

namespace BoltzmannGen.Tests.Support;

/// <summary>
/// A fact that needs a CUDA device: reported as skipped (with the reason), not as passed, where libtorch sees none.
/// xunit 2 has no Assert.Skip, so the check runs when the tests are discovered.
/// </summary>
public sealed class CudaFactAttribute : FactAttribute
{
    public CudaFactAttribute()
    {
        if (!cuda.is_available()) Skip = "no CUDA device (TorchSharp-cpu or no GPU): runs where CUDA is available";
    }
}
