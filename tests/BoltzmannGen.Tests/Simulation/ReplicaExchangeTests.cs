using BoltzmannGen.Numerics;
using BoltzmannGen.Simulation;
using BoltzmannGen.Systems;
using BoltzmannGen.Tests.Support;

namespace BoltzmannGen.Tests.Simulation;

/// <summary>Exchanges must leave every rung's Boltzmann distribution intact (detailed balance).</summary>
public class ReplicaExchangeTests
{
    [Fact]
    public void Acceptance_is_one_downhill_and_the_Boltzmann_ratio_uphill()
    {
        // Cold rung holds the high energy: swapping lowers the total "cost" → always accepted.
        Assert.Equal(1.0, ReplicaExchange.AcceptanceProbability(10, 300, 0, 400));
        // Cold rung holds the low energy: accepted with exp[(β_i − β_j)(U_i − U_j)].
        double betaDiff = 1 / Thermodynamics.KT(300) - 1 / Thermodynamics.KT(400);
        Assert.Equal(Math.Exp(betaDiff * (0 - 10)), ReplicaExchange.AcceptanceProbability(0, 300, 10, 400), 12);
    }

    /// <summary>
    /// A discrete toy: each rung holds a "configuration" with energy 0..L−1 (density of states g(E) = E+1). Each round,
    /// every rung redraws its configuration from its exact Boltzmann distribution with probability ½ (a valid move),
    /// then neighbours attempt exchanges. If exchanges obey detailed balance, each rung's energy histogram stays
    /// the exact Boltzmann distribution at its temperature; a wrong sign or β would shift it.
    /// </summary>
    [Fact]
    public void Exchanges_preserve_each_rungs_exact_energy_distribution()
    {
        double[] temperatures = [300, 420, 600];
        const int levels = 12;
        const double unit = 2.0; // kJ/mol per level
        var exchange = new ReplicaExchange(temperatures);
        var random = new Xoshiro256(42);
        var exact = temperatures.Select(t => Boltzmann(levels, unit, t)).ToArray();
        var state = new int[temperatures.Length];
        var counts = new long[temperatures.Length, levels];
        const int rounds = 200_000;
        for (int r = 0; r < rounds; r++)
        {
            for (int k = 0; k < state.Length; k++)
                if (random.NextDouble() < 0.5) state[k] = Draw(exact[k], random);
            foreach (int i in exchange.Attempt(state.Select(s => s * unit).ToArray(), random))
                (state[i], state[i + 1]) = (state[i + 1], state[i]);
            for (int k = 0; k < state.Length; k++) counts[k, state[k]]++;
        }
        for (int k = 0; k < temperatures.Length; k++)
        for (int e = 0; e < levels; e++)
        {
            double p = counts[k, e] / (double)rounds;
            // Rounds are correlated (each keeps its state half the time); 5 naive σ × ~2 for correlation.
            double sigma = Math.Sqrt(exact[k][e] * (1 - exact[k][e]) / rounds) * 2;
            Assert.True(Math.Abs(p - exact[k][e]) < 5 * sigma + 1e-4, $"T={temperatures[k]} E={e}: {p:F4} vs exact {exact[k][e]:F4}");
        }
        Assert.All(Enumerable.Range(0, 2), pair => Assert.InRange(exchange.AcceptanceRate(pair), 0.05, 0.99));
    }

    private static double[] Boltzmann(int levels, double unit, double t)
    {
        var w = Enumerable.Range(0, levels).Select(e => (e + 1) * Math.Exp(-e * unit / Thermodynamics.KT(t))).ToArray();
        double z = w.Sum();
        return w.Select(x => x / z).ToArray();
    }

    private static int Draw(double[] p, Xoshiro256 random)
    {
        double u = random.NextDouble(), c = 0;
        for (int i = 0; i < p.Length; i++)
            if ((c += p[i]) > u) return i;
        return p.Length - 1;
    }

    [Theory]
    [InlineData(0.1, 0.1, 9, 1000)]
    [InlineData(0.2, 0.05, 4, 500)] // four exchange attempts within every save interval
    public void Replica_exchange_MD_keeps_the_base_temperature_energy_distribution(double saveEveryPs, double swapEveryPs, int seed, int frames)
    {
        using var dir = new TempDir();
        const int n = 8;
        var system = ToySystem.Create(Path.Combine(dir.Path, "toy"), particles: n);
        var options = new MDOptions
        {
            System = system.Name, Nanoseconds = 0.1, SaveEveryPs = saveEveryPs, SwapEveryPs = swapEveryPs, TemperaturesK = [300, 390],
            EquilibrationPs = 5, CheckpointEveryPs = 50, Seed = seed,
        };
        using var run = new MDRun(system, options, Path.Combine(dir.Path, "work"), resume: false);
        var result = run.Run();
        Assert.Equal(frames, result.Energies.Length);
        Assert.InRange(result.SwapAcceptance[0][0], 0.05, 0.95); // swaps really happened
        ThermostatTests.AssertMeanWithin(result.Energies, 1.5 * n * Thermodynamics.KT(300), "base-rung potential energy");
    }

    [Fact]
    public void A_swap_interval_that_neither_divides_nor_is_a_multiple_of_the_save_interval_is_refused()
    {
        var options = new MDOptions { System = "aldp", Nanoseconds = 1, SaveEveryPs = 1, SwapEveryPs = 0.3, TemperaturesK = [300, 360] };
        var e = Assert.Throws<InputException>(options.Validate);
        Assert.Contains("--swap-every-ps", e.Message);
    }
}
