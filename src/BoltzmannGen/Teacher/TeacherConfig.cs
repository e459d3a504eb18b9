using System.Globalization;
using BoltzmannGen.Energy;
using BoltzmannGen.Optimisation;

namespace BoltzmannGen.Teacher;

/// <summary>
/// Every knob of teacher training (flow matching), read from YAML (snake_case keys, configs/teacher.yaml lists
/// them) with `key=value` overrides. Stored as config.yaml in the teacher folder.
/// </summary>
public sealed record TeacherConfig
{
    /// <summary>egnn (E(3)-equivariant graph network, default) or mlp (flattened coordinates + rotation augmentation).</summary>
    public string Net { get; init; } = "egnn";
    /// <summary>cartesian (centred, scaled) or internal (standardised bonds, angles, torsions, orientation; mlp only).</summary>
    public string Coordinates { get; init; } = "cartesian";
    /// <summary>independent, ot (mini-batch OT) or equivariant-ot (Kabsch-aligned mini-batch OT).</summary>
    public string Coupling { get; init; } = "equivariant-ot";
    /// <summary>σ of the noise around the linear path, normalised units.</summary>
    public double Sigma { get; init; } = 0.0;
    public int Layers { get; init; } = 4;
    public int Hidden { get; init; } = 64;
    public int Steps { get; init; } = 3000;
    public int BatchSize { get; init; } = 128;
    public double LearningRate { get; init; } = 1e-3;
    public double MinLearningRateFraction { get; init; } = 0.02;
    public int WarmupSteps { get; init; } = 100;
    public double WeightDecay { get; init; } = 0.0;
    public double GradClip { get; init; } = 10.0;
    public double EmaDecay { get; init; } = 0.999;
    /// <summary>Random rotations of each pair (needed by mlp; harmless for egnn).</summary>
    public bool RandomRotations { get; init; } = true;
    public int LogEvery { get; init; } = 50;
    public int ValEvery { get; init; } = 500;
    public int CheckpointEvery { get; init; } = 250;
    public int Seed { get; init; } = 1;
    public string Device { get; init; } = "auto";
    /// <summary>libtorch CPU threads while training (0 = its default, one per core); see <see cref="TorchThreads"/>.</summary>
    public int Threads { get; init; } = 0;
    /// <summary>Length scale s in nm; 0 takes it from the training frames.</summary>
    public double Scale { get; init; } = 0.0;
    /// <summary>Training frames with some backbone φ &gt; 0 appear this many times (1 = the MD populations); see <see cref="PhiPositiveOversampling"/>.</summary>
    public int PhiPositiveWeight { get; init; } = 1;
    /// <summary>
    /// Whether the teacher also learns from the frames of the dataset's pooled independent runs (extra.npy, added by
    /// `bgen pool`), not only from the training split: more independent frames for the picture every later stage
    /// inherits (fine-tuning's md_pooled_runs does the same for its MD anchor). Written only when set.
    /// </summary>
    [YamlDotNet.Serialization.YamlMember(DefaultValuesHandling = YamlDotNet.Serialization.DefaultValuesHandling.OmitDefaults)]
    public bool MdPooledRuns { get; init; }

    public string ToYaml() => YamlConfig.ToYaml(this);

    public static TeacherConfig Load(string? path, IEnumerable<string> overrides)
    {
        var config = YamlConfig.Load<TeacherConfig>(path, overrides, "teacher config");
        config.Validate();
        return config;
    }

    public void Validate()
    {
        string[] nets = ["egnn", "mlp"], couplings = ["independent", "ot", "equivariant-ot"];
        if (!nets.Contains(Net)) throw new InputException($"net '{Net}' is unknown; use {string.Join(" or ", nets)}.");
        if (Coordinates is not ("cartesian" or "internal")) throw new InputException($"coordinates '{Coordinates}' is unknown; use cartesian or internal.");
        if (Coordinates == "internal" && Net != "mlp")
            throw new InputException($"coordinates=internal needs net=mlp: the {Net} is equivariant in Cartesian positions, which internal coordinates are not.");
        if (Coupling is "equivariant-ot" && Coordinates == "internal")
            throw new InputException("coupling equivariant-ot aligns Cartesian frames; with coordinates=internal use ot or independent.");
        if (!couplings.Contains(Coupling)) throw new InputException($"coupling '{Coupling}' is unknown; use {string.Join(", ", couplings)}.");
        if (Steps < 1) throw new InputException($"steps must be at least 1 (got {Steps}).");
        if (BatchSize < 2) throw new InputException($"batch_size must be at least 2 (got {BatchSize}).");
        if (Layers < 1 || Hidden < 1) throw new InputException("layers and hidden must be at least 1.");
        if (!(LearningRate > 0)) throw new InputException($"learning_rate must be positive (got {LearningRate.ToString(CultureInfo.InvariantCulture)}).");
        if (Sigma < 0) throw new InputException("sigma must not be negative.");
        if (EmaDecay is < 0 or >= 1) throw new InputException($"ema_decay must be in [0, 1) (got {EmaDecay.ToString(CultureInfo.InvariantCulture)}).");
        if (LogEvery < 1 || ValEvery < 1 || CheckpointEvery < 1) throw new InputException("log_every, val_every and checkpoint_every must be at least 1.");
        if (Threads < 0 || Threads > Energy.EnergyOptions.MaxThreads)
            throw new InputException($"threads must be 0 (libtorch's default) or a count up to {Energy.EnergyOptions.MaxThreads} (got {Threads}).");
        if (PhiPositiveWeight < 1) throw new InputException($"phi_positive_weight must be at least 1 (got {PhiPositiveWeight}); 1 keeps the MD populations.");
        if (Scale < 0) throw new InputException("scale must be positive, or 0 to take it from the data.");
    }
}
