using TorchSharp;
using static TorchSharp.torch;

namespace BoltzmannGen.Optimisation;

/// <summary>
/// Exponential moving average of a module's parameters (Polyak averaging): the averaged weights are what a
/// trained model samples with, because they are less noisy than the last optimiser step.
/// </summary>
public sealed class ExponentialMovingAverage : IDisposable
{
    private readonly List<(string Name, Tensor Shadow)> _shadow;
    // Owned once, not converted from doubles at every call: each implicit conversion makes a native Scalar that
    // only the GC frees, two per parameter per step, and libtorch has been seen reading such a Scalar after it
    // was freed (docs/design.md §8.2).
    private readonly Scalar _decay, _weight;

    public ExponentialMovingAverage(nn.Module module, double decay)
    {
        Decay = decay;
        _decay = decay.ToScalar();
        _weight = (1 - decay).ToScalar();
        using var _ = no_grad();
        _shadow = module.named_parameters().Select(p => (p.name, p.parameter.detach().clone())).ToList();
    }

    public double Decay { get; }

    public void Update(nn.Module module)
    {
        using var _ = no_grad();
        var parameters = module.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, shadow) in _shadow)
            shadow.mul_(_decay).add_(parameters[name].detach(), alpha: _weight);
    }

    /// <summary>Copies the averaged weights into <paramref name="module"/> (e.g. a copy used for sampling).</summary>
    public void CopyTo(nn.Module module)
    {
        using var _ = no_grad();
        var parameters = module.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, shadow) in _shadow) parameters[name].copy_(shadow);
    }

    /// <summary>The averaged weights as name → tensor, to save in a checkpoint.</summary>
    public IReadOnlyList<(string Name, Tensor Value)> Values => _shadow;

    /// <summary>Loads averaged weights saved by <see cref="Values"/>.</summary>
    public void Load(IReadOnlyDictionary<string, Tensor> values)
    {
        using var _ = no_grad();
        foreach (var (name, shadow) in _shadow)
        {
            if (!values.TryGetValue(name, out var v)) throw new InputException($"checkpoint has no averaged weight '{name}'.");
            shadow.copy_(v);
        }
    }

    public void Dispose()
    {
        foreach (var (_, t) in _shadow) t.Dispose();
        _decay.Dispose();
        _weight.Dispose();
    }
}
