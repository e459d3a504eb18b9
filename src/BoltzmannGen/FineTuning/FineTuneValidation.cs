using BoltzmannGen.Data;
using BoltzmannGen.Energy;
using BoltzmannGen.Flows;
using BoltzmannGen.Sampling;
using BoltzmannGen.Systems;
using static TorchSharp.torch;

namespace BoltzmannGen.FineTuning;

/// <summary>
/// One validation of fine-tuning: ESS of a fixed batch of flow samples, unclipped and clipped, the guards, and the
/// Pareto k̂ of the batch's weights (null when too few are finite): above 0.5 the unclipped ESS is a noisy figure.
/// </summary>
public sealed record FineTuneValidationResult(double Ess, double EssClipped, double? ValNll, double InvalidFraction, double ReverseKl,
                                              double? ParetoK = null);

/// <summary>
/// Scores the averaged weights on the same prior draws every time (so successive figures differ by the model only):
/// flow samples with exact log q, reweighted exactly as `bgen reweight` does (mirror images, validity, energies), the
/// Kish ESS fraction unclipped and with the top <see cref="FineTuneConfig.ValClipTop"/> of log-weights clipped, the
/// Pareto k̂ of the weights' tail (how far the unclipped figure can be trusted, §7.1), the
/// reverse-KL estimate mean(u + log q) over valid samples, and the NLL per degree of freedom of MD validation frames
/// (a basin the flow drops shows there first).
/// </summary>
public sealed class FineTuneValidation : IDisposable
{
    private const int Chunk = 2048;
    private readonly Tensor _latent;
    private readonly Tensor? _frames;
    private readonly Reweighting _reweighting;
    private readonly double _clipTop;

    /// <param name="frames">MD validation frames (n, N, 3) nm, or null</param>
    public FineTuneValidation(PeptideSystem system, int dimension, int samples, int seed, double clipTop, Tensor? frames,
                              EnergyOptions? energy = null)
    {
        using var generator = new Generator((ulong)seed + 1_000_003); // not the training stream
        _latent = randn([samples, dimension], dtype: float32, generator: generator);
        _frames = frames;
        _reweighting = new Reweighting(system, energy);
        _clipTop = clipTop;
    }

    public FineTuneValidationResult Run(BoltzmannFlow model)
    {
        int n = (int)_latent.shape[0], per = 3 * model.Atoms;
        var positions = new double[n * per];
        var logQ = new double[n];
        using (no_grad())
        {
            for (int start = 0; start < n; start += Chunk)
            {
                using var scope = NewDisposeScope();
                int count = Math.Min(Chunk, n - start);
                var (_, x, lq) = model.SampleFrom(_latent[start..(start + count)].to(model.DType, model.Device));
                x.to(float64, CPU).contiguous().data<double>().CopyTo(positions.AsSpan(start * per));
                lq.to(float64, CPU).contiguous().data<double>().CopyTo(logQ.AsSpan(start));
            }
        }
        var finite = Enumerable.Range(0, n).Where(i => Frames.FirstNonFinite(positions.AsSpan(i * per, per), model.Atoms) is null && double.IsFinite(logQ[i])).ToArray();
        var kept = finite.SelectMany(i => positions.Skip(i * per).Take(per)).ToArray();
        var result = _reweighting.Run(kept, finite.Select(i => logQ[i]).ToArray());
        // Non-finite samples count in n with zero weight, as in `bgen reweight`.
        var logW = Enumerable.Repeat(double.NegativeInfinity, n).ToArray();
        for (int f = 0; f < finite.Length; f++) logW[finite[f]] = result.Weights.LogWeights[f];
        var weights = new ImportanceWeights(logW);
        var reduced = result.ReducedEnergies;
        var valid = Enumerable.Range(0, finite.Length).Where(f => result.Valid[f] && double.IsFinite(reduced[f])).ToArray();
        double kl = valid.Length == 0 ? double.NaN : valid.Average(f => reduced[f] + logQ[finite[f]]);
        return new FineTuneValidationResult(weights.EffectiveSampleFraction, weights.ClipTop(_clipTop).EffectiveSampleFraction, Nll(model),
            1 - (double)valid.Length / n, kl, Analysis.ParetoTail.Shape(logW));
    }

    private double? Nll(BoltzmannFlow model)
    {
        if (_frames is null) return null;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return -model.LogQ(_frames).mean().item<double>() / model.Dimension;
    }

    public void Dispose()
    {
        _latent.Dispose();
        _frames?.Dispose();
    }
}
