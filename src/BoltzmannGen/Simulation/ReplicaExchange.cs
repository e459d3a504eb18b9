using BoltzmannGen.Numerics;
using BoltzmannGen.Systems;

namespace BoltzmannGen.Simulation;

/// <summary>
/// Temperature replica exchange between neighbours of a ladder T_0 &lt; T_1 &lt; … : at the m-th attempt the pairs
/// (i, i+1) with i ≡ m (mod 2) are tried, each accepted with the Metropolis probability
/// min(1, exp[(β_i − β_{i+1})(U_i − U_{i+1})]). An accepted swap exchanges configurations; velocities are
/// rescaled by √(T_new/T_old), which keeps the kinetic part of each ensemble exact.
/// </summary>
public sealed class ReplicaExchange
{
    public ReplicaExchange(IReadOnlyList<double> temperaturesK)
    {
        for (int i = 1; i < temperaturesK.Count; i++)
            if (!(temperaturesK[i] > temperaturesK[i - 1]))
                throw new InputException($"--temperatures must increase: {string.Join(",", temperaturesK)}.");
        Temperatures = temperaturesK.ToArray();
        Attempts = new long[Math.Max(0, Temperatures.Length - 1)];
        Accepted = new long[Attempts.Length];
    }

    public double[] Temperatures { get; }

    /// <summary>Per neighbour pair (i, i+1): attempts and accepted swaps so far.</summary>
    public long[] Attempts { get; private set; }
    public long[] Accepted { get; private set; }
    public long Round { get; private set; }

    public double AcceptanceRate(int pair) => Attempts[pair] == 0 ? double.NaN : (double)Accepted[pair] / Attempts[pair];

    /// <summary>The probability of accepting a swap of configurations with energies U_i at T_i and U_j at T_j.</summary>
    public static double AcceptanceProbability(double energyI, double temperatureI, double energyJ, double temperatureJ)
    {
        double betaI = 1.0 / Thermodynamics.KT(temperatureI), betaJ = 1.0 / Thermodynamics.KT(temperatureJ);
        double log = (betaI - betaJ) * (energyI - energyJ);
        return log >= 0 ? 1.0 : Math.Exp(log);
    }

    /// <summary>
    /// One round of attempts on potential energies <paramref name="energies"/> (one per rung). Returns the accepted
    /// pairs (lower rung index); the caller exchanges their configurations.
    /// </summary>
    public IReadOnlyList<int> Attempt(IReadOnlyList<double> energies, Xoshiro256 random)
    {
        var accepted = new List<int>();
        for (int i = (int)(Round % 2); i + 1 < Temperatures.Length; i += 2)
        {
            Attempts[i]++;
            double p = AcceptanceProbability(energies[i], Temperatures[i], energies[i + 1], Temperatures[i + 1]);
            if (random.NextDouble() < p)
            {
                Accepted[i]++;
                accepted.Add(i);
            }
        }
        Round++;
        return accepted;
    }

    /// <summary>Restores counters from a checkpoint.</summary>
    public void Restore(long round, long[] attempts, long[] accepted)
    {
        if (attempts.Length != Attempts.Length || accepted.Length != Accepted.Length)
            throw new InputException("checkpoint has a different number of temperatures than this run.");
        Round = round;
        Attempts = attempts.ToArray();
        Accepted = accepted.ToArray();
    }
}
