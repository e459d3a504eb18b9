using BoltzmannGen.Analysis;
using BoltzmannGen.Simulation;
using BoltzmannGen.Systems;
using BoltzmannGen.Tests.Support;

namespace BoltzmannGen.Tests.Simulation;

/// <summary>Langevin MD samples the canonical ensemble: equipartition on harmonic wells, kinetic temperature on ALDP.</summary>
public class ThermostatTests
{
    [Fact]
    public void Harmonic_wells_have_equipartition_potential_and_kinetic_energy()
    {
        using var dir = new TempDir();
        const int n = 8;
        const double t = 300;
        var system = ToySystem.Create(Path.Combine(dir.Path, "toy"), particles: n, temperatureK: t);
        using var replica = new Replica(system.ReadSystemXml(), new MDProtocol(), t, seed: 11, "toy");
        replica.Prepare(system.ReferencePositions, minimize: false);
        replica.Step(5000); // 5 ps to forget the start

        var potential = new double[2000];
        var kinetic = new double[2000];
        for (int i = 0; i < potential.Length; i++)
        {
            replica.Step(100);
            var s = replica.Snapshot();
            potential[i] = s.PotentialEnergy;
            kinetic[i] = s.KineticEnergy;
        }
        double expected = 1.5 * n * Thermodynamics.KT(t);
        AssertMeanWithin(potential, expected, "potential");
        AssertMeanWithin(kinetic, expected, "kinetic");
    }

    [Fact]
    public void Alanine_dipeptide_kinetic_temperature_matches_the_thermostat()
    {
        var system = EnergyFixtures.System("aldp");
        using var replica = new Replica(system.ReadSystemXml(), new MDProtocol(), 300, seed: 3, "aldp");
        replica.Prepare(system.ReferencePositions, minimize: true);
        replica.Step(2000);
        var temperature = new double[1000];
        int dof = replica.DegreesOfFreedom;
        Assert.Equal(3 * 22 - 3, dof); // the System's CMMotionRemover removes the centre-of-mass motion
        for (int i = 0; i < temperature.Length; i++)
        {
            replica.Step(20);
            temperature[i] = 2 * replica.Snapshot().KineticEnergy / (dof * Thermodynamics.BoltzmannConstant);
        }
        AssertMeanWithin(temperature, 300, "kinetic temperature");
    }

    /// <summary>|mean − expected| within 4 block-average standard errors (and the error itself is sane).</summary>
    internal static void AssertMeanWithin(double[] series, double expected, string what)
    {
        var estimate = BlockAverage.Compute(series, 20);
        Assert.True(estimate.StandardError < 0.1 * Math.Abs(expected), $"{what}: standard error {estimate.StandardError} is too large to test");
        Assert.True(Math.Abs(estimate.Mean - expected) < 4 * estimate.StandardError,
            $"{what}: mean {estimate.Mean:F3} vs expected {expected:F3} (standard error {estimate.StandardError:F3})");
    }
}
