namespace BoltzmannGen.Teacher.Networks;

/// <summary>Builds the named velocity networks of the teacher CNF.</summary>
public static class VelocityNetworks
{
    /// <summary>The known network names.</summary>
    public static IReadOnlyList<string> Names { get; } = ["egnn", "mlp"];

    /// <summary>
    /// egnn: <see cref="EgnnVelocity"/> (E(3)-equivariant, uses atom types, residues and bonds);
    /// mlp: <see cref="MlpVelocity"/> (uses only the atom count). Weights come from a generator seeded with
    /// <see cref="VelocityHyperparameters.Seed"/>; the global torch random state is neither used nor changed.
    /// The network is float32 on the CPU; move it with .to(device) / .to(dtype).
    /// </summary>
    public static VelocityNetwork Create(string name, AtomFeatures features, VelocityHyperparameters? hyperparameters = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        string key = (name ?? "").Trim().ToLowerInvariant();
        return key switch
        {
            "egnn" => new EgnnVelocity(features, hyperparameters),
            "mlp" => new MlpVelocity(features.AtomCount, hyperparameters),
            _ => throw new ArgumentException($"unknown velocity network '{name}'; known: {string.Join(", ", Names)}", nameof(name)),
        };
    }
}
