using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BoltzmannGen.Flows;

/// <summary>
/// One TarFlow block ("tarflow"): a transformer autoregressive affine flow over T = D/3 tokens of 3 coordinates
/// (the Helmert tokens of <see cref="CentredCoordinates"/>). In the sampling direction
/// y_t = x_t · exp(s_t) + m_t, where (m_t, s_t) come from a causal transformer fed with a learned start token
/// followed by x_0..x_{t−1}; token 0's parameters are therefore learned constants. The Jacobian is
/// block-triangular, so log|det ∂y/∂x| = Σ_t Σ_axes s_t.
/// <para>
/// Direction: the conditioner reads the <i>input</i> of the forward map (prior side), so the forward
/// (sampling) direction is one parallel transformer pass — FORT trains and samples in that direction — while
/// the inverse (density direction, log q) is sequential over tokens: T transformer passes on growing
/// prefixes. With <c>reverse</c> the block works on the tokens in reversed order (token order alternates
/// between blocks, so every token gets to condition on every other one).
/// </para>
/// </summary>
public sealed class AutoregressiveAffineBlock : FlowLayer
{
    private readonly Linear embedding;
    private readonly Parameter start;
    private readonly Parameter position;
    private readonly ModuleList<CausalTransformerLayer> layers;
    private readonly LayerNorm outputNorm;
    private readonly Linear head;
    private readonly bool reverse;
    private readonly double scaleBound;

    public AutoregressiveAffineBlock(int dimension, int channels, int heads, int transformerLayers, bool reverse, double scaleBound, Generator generator)
        : base(nameof(AutoregressiveAffineBlock), dimension)
    {
        if (dimension % 3 != 0) throw new ArgumentException($"tarflow needs tokens of 3 coordinates; D = {dimension} is not a multiple of 3", nameof(dimension));
        if (channels < 1) throw new ArgumentOutOfRangeException(nameof(channels), channels, "must be positive");
        if (transformerLayers < 1) throw new ArgumentOutOfRangeException(nameof(transformerLayers), transformerLayers, "need at least one transformer layer");
        if (!(scaleBound > 0)) throw new ArgumentOutOfRangeException(nameof(scaleBound), scaleBound, "must be positive");
        Tokens = dimension / 3;
        this.reverse = reverse;
        this.scaleBound = scaleBound;
        embedding = SeededInit.Linear(3, channels, generator);
        start = new Parameter(SeededInit.Normal([1, 1, channels], 0.02, generator));
        position = new Parameter(SeededInit.Normal([1, Tokens, channels], 0.02, generator));
        _ = start.DetachFromDisposeScope();
        _ = position.DetachFromDisposeScope();
        layers = nn.ModuleList(Enumerable.Range(0, transformerLayers).Select(_ => new CausalTransformerLayer(channels, heads, generator)).ToArray());
        outputNorm = nn.LayerNorm(channels);
        head = SeededInit.Linear(channels, 6, generator);
        using (no_grad())
        {
            // Zero head: shifts 0, log-scales 0, the block starts as the identity.
            head.weight.zero_();
            head.bias!.zero_();
        }
        RegisterComponents();
    }

    /// <summary>Number of tokens T = D/3.</summary>
    public int Tokens { get; }

    /// <summary>Whether this block processes the tokens last-to-first.</summary>
    public bool ReversesTokens => reverse;

    public override (Tensor y, Tensor logDet) Forward(Tensor x)
    {
        CheckShape(x, nameof(x));
        long batch = x.shape[0];
        var tokens = ToTokens(x);
        var (shift, logScale) = Conditioner(tokens.narrow(1, 0, Tokens - 1), batch, Tokens);
        var y = tokens * logScale.exp() + shift;
        return (FromTokens(y), logScale.sum([1, 2]));
    }

    public override (Tensor x, Tensor logDet) Inverse(Tensor y)
    {
        CheckShape(y, nameof(y));
        long batch = y.shape[0];
        var tokens = ToTokens(y);
        var solved = new List<Tensor>(Tokens);
        var logDet = zeros(batch, dtype: y.dtype, device: y.device);
        for (int t = 0; t < Tokens; t++)
        {
            // Token t needs x_0..x_{t−1}, known from the previous steps.
            using var scope = NewDisposeScope();
            var prefix = t == 0 ? null : cat(solved, 1);
            var (shift, logScale) = Conditioner(prefix, batch, t + 1);
            var shiftT = shift.narrow(1, t, 1);
            var logScaleT = logScale.narrow(1, t, 1);
            var xT = (tokens.narrow(1, t, 1) - shiftT) * (-logScaleT).exp();
            solved.Add(scope.MoveToOuter(xT));
            logDet = scope.MoveToOuter(logDet - logScaleT.sum([1, 2]));
        }
        return (FromTokens(cat(solved, 1)), logDet);
    }

    // Shift and bounded log-scale (B, count, 3) for tokens 0..count−1, given tokens 0..count−2 (null if none).
    private (Tensor shift, Tensor logScale) Conditioner(Tensor? prefix, long batch, int count)
    {
        var h = start.expand(batch, 1, -1);
        if (count > 1) h = cat([h, embedding.call(prefix!)], 1);
        h = h + position.narrow(1, 0, count);
        foreach (var layer in layers) h = layer.call(h);
        var parameters = head.call(outputNorm.call(h));
        return (parameters.narrow(-1, 0, 3), BoundedLogScale.Apply(parameters.narrow(-1, 3, 3), scaleBound));
    }

    private Tensor ToTokens(Tensor flat)
    {
        var tokens = flat.reshape(flat.shape[0], Tokens, 3);
        return reverse ? tokens.flip(1) : tokens;
    }

    private Tensor FromTokens(Tensor tokens) => (reverse ? tokens.flip(1) : tokens).reshape(tokens.shape[0], Dimension);
}
