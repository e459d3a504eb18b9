using OpenMMSharp;

namespace BoltzmannGen.Tests.OpenMM;

/// <summary>OpenMMSharp against analytic cases and OpenMM's error paths (errors must be exceptions, never a crash).</summary>
public class BindingsTests
{
    private const double K = 1000.0, R0 = 0.15;

    /// <summary>Two particles and one harmonic bond: E = ½k(r − r0)², F = −k(r − r0) along the bond.</summary>
    private static (OpenMMSystem System, VerletIntegrator Integrator, Context Context) Dimer()
    {
        var system = new OpenMMSystem();
        system.AddParticle(12.0);
        system.AddParticle(1.0);
        var bond = new HarmonicBondForce();
        bond.AddBond(0, 1, R0, K);
        system.AddForce(bond);
        var integrator = new VerletIntegrator(0.001);
        return (system, integrator, new Context(system, integrator));
    }

    [Fact]
    public void Harmonic_bond_energy_and_force_match_the_analytic_values()
    {
        var (system, integrator, context) = Dimer();
        using (system) using (integrator) using (context)
        {
            const double r = 0.2;
            context.SetPositions([0, 0, 0, r, 0, 0]);
            using var state = context.GetState(StateDataTypes.Energy | StateDataTypes.Forces);
            Assert.Equal(0.5 * K * (r - R0) * (r - R0), state.PotentialEnergy, 10);
            var f = state.GetForces();
            Assert.Equal(K * (r - R0), f[0], 9);   // particle 0 pulled towards +x
            Assert.Equal(-K * (r - R0), f[3], 9);
            Assert.Equal(0.0, f[1], 12);
        }
    }

    [Fact]
    public void Batch_evaluation_equals_one_at_a_time()
    {
        var (system, integrator, context) = Dimer();
        using (system) using (integrator) using (context)
        {
            double[] rs = [0.1, 0.15, 0.3];
            var positions = rs.SelectMany(r => new double[] { 0, 0, 0, 0, r, 0 }).ToArray();
            var energies = new double[3];
            var forces = new double[18];
            context.EvaluateBatch(positions, 3, energies, forces);
            for (int b = 0; b < 3; b++)
            {
                Assert.Equal(0.5 * K * (rs[b] - R0) * (rs[b] - R0), energies[b], 10);
                Assert.Equal(-K * (rs[b] - R0), forces[b * 6 + 4], 9);
            }
        }
    }

    [Fact]
    public void Wrong_particle_count_is_an_exception_with_OpenMMs_message()
    {
        var (system, integrator, context) = Dimer();
        using (system) using (integrator) using (context)
        {
            var e = Assert.Throws<OpenMMException>(() => context.SetPositions([0, 0, 0]));
            Assert.Contains("2 particles", e.Message);
            var batch = Assert.Throws<OpenMMException>(() => context.EvaluateBatch(new double[9], 1, new double[1]));
            Assert.Contains("needs 6 coordinates", batch.Message);
        }
    }

    [Fact]
    public void Malformed_system_xml_is_an_exception_not_a_crash()
    {
        Assert.Throws<OpenMMException>(() => XmlSerializer.DeserializeSystem("<System version=\"1\"><Particles>"));
        Assert.Throws<OpenMMException>(() => XmlSerializer.DeserializeSystem("this is not xml"));
    }

    [Fact]
    public void Xml_round_trip_keeps_particles_and_forces()
    {
        var (system, integrator, context) = Dimer();
        using (system) using (integrator) using (context)
        {
            using var copy = XmlSerializer.DeserializeSystem(XmlSerializer.SerializeSystem(system));
            Assert.Equal(2, copy.NumParticles);
            Assert.Equal(12.0, copy.GetParticleMass(0));
            var bond = Assert.IsType<HarmonicBondForce>(Assert.Single(copy.Forces));
            Assert.Equal((0, 1, R0, K), bond.GetBondParameters(0));
        }
    }

    [Fact]
    public void Unknown_platform_lists_the_available_ones()
    {
        var e = Assert.Throws<OpenMMException>(() => Platform.GetPlatformByName("Quantum"));
        Assert.Contains("Quantum", e.Message);
        Assert.Contains("Reference", e.Message);
    }

    [Fact]
    public void Plugins_load_once_so_each_platform_is_registered_once()
    {
        var first = Platform.Names;
        var second = Platform.Names;
        Assert.Equal(first, second);
        Assert.Equal(first.Count, first.Distinct().Count());
        Assert.Contains("CPU", first); // from Debian's libopenmm-plugins
    }

    [Fact]
    public void Checkpoint_restores_positions_and_continues_identically()
    {
        using var system = new OpenMMSystem();
        system.AddParticle(12.0);
        system.AddParticle(1.0);
        var bond = new HarmonicBondForce();
        bond.AddBond(0, 1, R0, K);
        system.AddForce(bond);
        using var integrator = new LangevinMiddleIntegrator(300, 1, 0.001);
        integrator.SetRandomNumberSeed(7);
        using var context = new Context(system, integrator);
        context.SetPositions([0, 0, 0, 0.16, 0, 0]);
        context.SetVelocitiesToTemperature(300, 3);
        integrator.Step(10);
        var checkpoint = context.CreateCheckpoint();
        integrator.Step(20);
        using var a = context.GetState(StateDataTypes.Positions);
        var afterFirst = a.GetPositions();
        context.LoadCheckpoint(checkpoint);
        Assert.Equal(10, context.StepCount);
        integrator.Step(20);
        using var b = context.GetState(StateDataTypes.Positions);
        Assert.Equal(afterFirst, b.GetPositions());
    }

    [Fact]
    public void Corrupt_checkpoint_is_an_exception()
    {
        var (system, integrator, context) = Dimer();
        using (system) using (integrator) using (context)
            Assert.Throws<OpenMMException>(() => context.LoadCheckpoint(new byte[] { 1, 2, 3, 4, 5 }));
    }

    [Fact]
    public void A_context_keeps_its_system_alive_after_the_system_is_disposed()
    {
        var (system, integrator, context) = Dimer();
        system.Dispose(); // the native System must survive until the Context is gone
        using (integrator) using (context)
        {
            context.SetPositions([0, 0, 0, 0.2, 0, 0]);
            using var state = context.GetState(StateDataTypes.Energy);
            Assert.Equal(0.5 * K * 0.05 * 0.05, state.PotentialEnergy, 10);
        }
    }
}
