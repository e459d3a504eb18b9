using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BoltzmannGen.Flows;

/// <summary>
/// PyTorch's default initialisations drawn from an explicit generator instead of torch's process-wide one, so a
/// seeded model's weights do not depend on what other threads draw (or seed) meanwhile, and building one does not
/// disturb them. The draws are those nn.Linear and randn make from the global generator after
/// <c>manual_seed(seed)</c>, in the same order: the weights are bit for bit the ones the global generator gave.
/// </summary>
internal static class SeededInit
{
    /// <summary>
    /// nn.Linear(in → out) with its default initialisation: weight ~ kaiming_uniform_(a = √5), i.e.
    /// U(±√3·gain/√in) with gain = √(2/(1 + a²)) (≈ U(±1/√in)), then bias ~ U(±1/√in), float32 on the CPU.
    /// </summary>
    public static Linear Linear(long inFeatures, long outFeatures, Generator generator)
    {
        using var noGrad = no_grad();
        // The same arithmetic as libtorch's kaiming_uniform_, so the bound rounds identically.
        double a = Math.Sqrt(5);
        double gain = Math.Sqrt(2.0 / (1 + Math.Pow(a, 2)));
        double weightBound = Math.Sqrt(3.0) * (gain / Math.Sqrt(inFeatures));
        double biasBound = 1 / Math.Sqrt(inFeatures);
        // Tensor.uniform_, not nn.init.uniform_: TorchSharp 0.107's init.uniform_ ignores its generator argument and
        // draws from the global generator (GlobalGeneratorTests would catch a return to it).
        var weight = empty([outFeatures, inFeatures], float32).uniform_(-weightBound, weightBound, generator);
        var bias = empty([outFeatures], float32).uniform_(-biasBound, biasBound, generator);
        return nn.Linear(new Parameter(weight), new Parameter(bias));
    }

    /// <summary>Standard normal draws of <paramref name="shape"/> (float32, CPU) times <paramref name="std"/>.</summary>
    public static Tensor Normal(long[] shape, double std, Generator generator)
    {
        using var scope = NewDisposeScope();
        return scope.MoveToOuter(randn(shape, dtype: float32, generator: generator) * std);
    }
}
