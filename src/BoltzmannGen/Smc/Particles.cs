namespace BoltzmannGen.Smc;

/// <summary>
/// The SMC population: latent points z (n·D) with what the target said about each (ℓ, ∇ℓ, u, log q, positions),
/// kept together so a move or a resampling carries a particle's evaluation with it and nothing is evaluated twice.
/// </summary>
public sealed class Particles
{
    public Particles(double[] z, int dimension, LatentBatch evaluation, int positionLength)
    {
        if (z.Length != evaluation.Count * dimension) throw new ArgumentException($"{z.Length} latent numbers are not {evaluation.Count} points of {dimension}.");
        Dimension = dimension;
        PositionLength = positionLength;
        Z = z;
        LogWeight = evaluation.LogWeight;
        Gradient = evaluation.Gradient ?? new double[z.Length];
        Reduced = evaluation.Reduced;
        LogQ = evaluation.LogQ;
        Positions = evaluation.Positions;
        Family = Enumerable.Range(0, evaluation.Count).ToArray();
    }

    public int Count => LogWeight.Length;
    public int Dimension { get; }
    public int PositionLength { get; }

    public double[] Z { get; private set; }
    /// <summary>ℓ(z), −∞ for zero weight.</summary>
    public double[] LogWeight { get; private set; }
    public double[] Gradient { get; private set; }
    public double[] Reduced { get; private set; }
    public double[] LogQ { get; private set; }
    public double[] Positions { get; private set; }
    /// <summary>
    /// Which starting particle each particle descends from (its "Eve" index, 0…n−1): resampling copies it, moves keep
    /// it. Particles of one family are correlated, so reports bootstrap whole families (design §7.5).
    /// </summary>
    public int[] Family { get; private set; }

    /// <summary>Whether particle i has a finite ℓ (a usable state for a move).</summary>
    public bool Alive(int i) => double.IsFinite(LogWeight[i]);

    /// <summary>Particle i takes row j of a proposal <paramref name="z"/> and its evaluation.</summary>
    public void Take(int i, double[] z, LatentBatch proposal, int j)
    {
        Array.Copy(z, j * Dimension, Z, i * Dimension, Dimension);
        Array.Copy(proposal.Gradient!, j * Dimension, Gradient, i * Dimension, Dimension);
        Array.Copy(proposal.Positions, j * PositionLength, Positions, i * PositionLength, PositionLength);
        LogWeight[i] = proposal.LogWeight[j];
        Reduced[i] = proposal.Reduced[j];
        LogQ[i] = proposal.LogQ[j];
    }

    /// <summary>Replaces the population by the particles at <paramref name="indices"/> (resampling; repeats allowed).</summary>
    public void Select(int[] indices)
    {
        Z = Rows(Z, indices, Dimension);
        Gradient = Rows(Gradient, indices, Dimension);
        Positions = Rows(Positions, indices, PositionLength);
        LogWeight = Array.ConvertAll(indices, i => LogWeight[i]);
        Reduced = Array.ConvertAll(indices, i => Reduced[i]);
        LogQ = Array.ConvertAll(indices, i => LogQ[i]);
        Family = Array.ConvertAll(indices, i => Family[i]);
    }

    private static double[] Rows(double[] source, int[] indices, int width)
    {
        var result = new double[indices.Length * width];
        for (int r = 0; r < indices.Length; r++) Array.Copy(source, indices[r] * width, result, r * width, width);
        return result;
    }
}
