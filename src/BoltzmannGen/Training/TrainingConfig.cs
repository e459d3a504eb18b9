using System.Globalization;
using BoltzmannGen.Flows;
using BoltzmannGen.Optimisation;

namespace BoltzmannGen.Training;

/// <summary>
/// Every knob of a training run, read from YAML (snake_case keys) with `key=value` overrides from the command
/// line. The resolved config is stored in the model folder, so a model always says how it was trained.
/// </summary>
public sealed record TrainingConfig
{
    /// <summary>fort (regression onto fixed pairs) or mle (maximum likelihood on data).</summary>
    public string Objective { get; init; } = "fort";
    /// <summary>Flow architecture: nsf, resnvp or tarflow.</summary>
    public string Arch { get; init; } = "nsf";
    public int Steps { get; init; } = 5000;
    public int BatchSize { get; init; } = 512;
    public double LearningRate { get; init; } = 5e-4;
    public double MinLearningRateFraction { get; init; } = 0.02;
    public double WeightDecay { get; init; } = 1e-5;
    public int WarmupSteps { get; init; } = 200;
    public double GradClip { get; init; } = 10.0;
    public double EmaDecay { get; init; } = 0.999;
    public int LogEvery { get; init; } = 50;
    public int ValEvery { get; init; } = 500;
    public int CheckpointEvery { get; init; } = 500;
    public int Seed { get; init; } = 1;
    /// <summary>
    /// Which averaged weights the model folder keeps: best (those of the validation with the lowest NLL per degree of
    /// freedom on the validation frames, or the lowest validation loss without frames) or last (the final step's).
    /// </summary>
    public string Keep { get; init; } = "best";
    /// <summary>cpu, cuda or auto (cuda when TorchSharp has it).</summary>
    public string Device { get; init; } = "auto";

    /// <summary>FORT: standard deviation of Gaussian noise added to the targets x1 (normalised units).</summary>
    public double TargetNoise { get; init; } = 0.0;
    /// <summary>FORT: weight of the (log|det J|)² penalty.</summary>
    public double LambdaLogdet { get; init; } = 1e-6;
    /// <summary>FORT: weight of the forward–backward consistency ||f⁻¹(f(x0)) − x0||².</summary>
    public double LambdaFb { get; init; } = 0.0;
    /// <summary>Apply one random rotation jointly to x0 and x1 (FORT) or to data frames (MLE).</summary>
    public bool RandomRotations { get; init; } = true;

    /// <summary>
    /// Data-side coordinates of the flow: cartesian (centred Cartesian, scaled) or internal (bond lengths, angles,
    /// torsions and orientation, standardised with statistics of the training targets or frames).
    /// </summary>
    public string Coordinates { get; init; } = "cartesian";

    /// <summary>Length scale s (nm) of the normalised frame; 0 = RMS distance of atoms from the centroid in the data.</summary>
    public double Scale { get; init; } = 0.0;

    // Flow hyperparameters.
    public int Layers { get; init; } = 8;
    public int Hidden { get; init; } = 256;
    public int Bins { get; init; } = 8;
    public double TailBound { get; init; } = 5.0;
    public int Heads { get; init; } = 4;
    /// <summary>tarflow: autoregressive blocks, transformer width and layers per block.</summary>
    public int Blocks { get; init; } = 4;
    public int Channels { get; init; } = 128;
    public int TransformerLayers { get; init; } = 2;

    /// <summary>The flow's hyperparameters as this config sets them.</summary>
    public Flows.FlowHyperparameters FlowHyperparameters() => new()
    {
        Layers = Layers, HiddenWidth = Hidden, Bins = Bins, TailBound = TailBound, Heads = Heads,
        Blocks = Blocks, Channels = Channels, TransformerLayers = TransformerLayers, Seed = Seed,
    };

    public string ToYaml() => YamlConfig.ToYaml(this);

    /// <summary>Reads <paramref name="path"/> (or the defaults when null) and applies `key=value` overrides.</summary>
    public static TrainingConfig Load(string? path, IEnumerable<string> overrides)
    {
        var config = YamlConfig.Load<TrainingConfig>(path, overrides, "training config");
        config.Validate();
        return config;
    }

    public void Validate()
    {
        string[] objectives = ["fort", "mle"];
        if (!objectives.Contains(Objective)) throw new InputException($"objective '{Objective}' is unknown; use fort or mle.");
        if (Steps < 1) throw new InputException($"steps must be at least 1 (got {Steps}).");
        if (BatchSize < 2) throw new InputException($"batch_size must be at least 2 (got {BatchSize}).");
        if (!(LearningRate > 0)) throw new InputException($"learning_rate must be positive (got {LearningRate.ToString(CultureInfo.InvariantCulture)}).");
        if (EmaDecay is < 0 or >= 1) throw new InputException($"ema_decay must be in [0, 1) (got {EmaDecay.ToString(CultureInfo.InvariantCulture)}).");
        if (LogEvery < 1 || ValEvery < 1 || CheckpointEvery < 1) throw new InputException("log_every, val_every and checkpoint_every must be at least 1.");
        if (Coordinates is not ("cartesian" or "internal")) throw new InputException($"coordinates '{Coordinates}' is unknown; use cartesian or internal.");
        if (Keep is not ("best" or "last")) throw new InputException($"keep '{Keep}' is unknown; use best or last.");
        if (Scale < 0) throw new InputException("scale must be positive, or 0 to take it from the data.");
        // The flow's shape (the keys its architecture reads), checked here so that a bad value is a named error
        // before anything is written.
        if (Arch is "nsf" or "resnvp")
        {
            if (Layers < 1) throw new InputException($"layers must be at least 1 (got {Layers}).");
            if (Hidden < 1) throw new InputException($"hidden must be at least 1 (got {Hidden}).");
        }
        if (Arch == "nsf")
        {
            if (Bins < 1) throw new InputException($"bins must be at least 1 (got {Bins}).");
            if (!(TailBound > 0) || double.IsInfinity(TailBound)) throw new InputException($"tail_bound must be positive and finite (got {TailBound.ToString(CultureInfo.InvariantCulture)}).");
        }
        if (Arch == "tarflow")
        {
            if (Blocks < 1) throw new InputException($"blocks must be at least 1 (got {Blocks}).");
            if (Channels < 1 || Heads < 1 || Channels % Heads != 0)
                throw new InputException($"channels ({Channels}) and heads ({Heads}) must be positive, with heads dividing channels.");
            if (TransformerLayers < 0) throw new InputException($"transformer_layers must not be negative (got {TransformerLayers}).");
        }
    }
}
