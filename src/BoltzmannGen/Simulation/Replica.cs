using BoltzmannGen.Energy;
using OpenMMSharp;

namespace BoltzmannGen.Simulation;

/// <summary>Positions (nm), velocities (nm/ps), potential and kinetic energy (kJ/mol) of one replica at one time.</summary>
public sealed record ReplicaSnapshot(double[] Positions, double[] Velocities, double PotentialEnergy, double KineticEnergy);

/// <summary>
/// One Langevin trajectory: LangevinMiddle integrator (friction, step from <see cref="MDProtocol"/>) at a fixed
/// temperature, on its own thread with its own OpenMM Context. All calls block until the replica's thread is done.
/// </summary>
public sealed class Replica : IDisposable
{
    private readonly ContextThread _thread;

    public Replica(string systemXml, MDProtocol protocol, double temperatureK, int integratorSeed, string name)
    {
        TemperatureK = temperatureK;
        _thread = new ContextThread(systemXml, () =>
        {
            var integrator = new LangevinMiddleIntegrator(temperatureK, protocol.FrictionPerPs, protocol.StepPs);
            integrator.SetRandomNumberSeed(integratorSeed);
            return integrator;
        }, protocol.Platform, protocol.PlatformProperties, name);
        _thread.WaitReady();
    }

    public double TemperatureK { get; }

    /// <summary>Sets positions, minimises the energy (L-BFGS) and draws Maxwell–Boltzmann velocities.</summary>
    public void Prepare(double[] positions, int velocitySeed, bool minimize) =>
        _thread.Invoke((context, _) =>
        {
            context.SetPositions(positions);
            if (minimize) LocalEnergyMinimizer.Minimize(context, tolerance: 1.0);
            context.SetVelocitiesToTemperature(TemperatureK, velocitySeed);
        }).Wait();

    /// <summary>Starts <paramref name="steps"/> steps; wait on the task (replicas step in parallel).</summary>
    public Task StepAsync(int steps) => _thread.Invoke((_, integrator) => integrator.Step(steps));

    public ReplicaSnapshot Snapshot() =>
        _thread.Invoke((context, _) =>
        {
            using var state = context.GetState(StateDataTypes.Positions | StateDataTypes.Velocities | StateDataTypes.Energy);
            return new ReplicaSnapshot(state.GetPositions(), state.GetVelocities(), state.PotentialEnergy, state.KineticEnergy);
        }).Result;

    /// <summary>Moves a configuration in: positions as given, velocities scaled by √(T_this / T_from) (exchange).</summary>
    public void Accept(ReplicaSnapshot from, double fromTemperatureK) =>
        _thread.Invoke((context, _) =>
        {
            double scale = Math.Sqrt(TemperatureK / fromTemperatureK);
            context.SetPositions(from.Positions);
            context.SetVelocities(Array.ConvertAll(from.Velocities, v => v * scale));
        }).Wait();

    public long StepCount => _thread.Invoke((context, _) => context.StepCount).Result;

    /// <summary>OpenMM's checkpoint: positions, velocities, step count, and the integrator's random state.</summary>
    public byte[] CreateCheckpoint() => _thread.Invoke((context, _) => context.CreateCheckpoint()).Result;

    public void LoadCheckpoint(byte[] checkpoint) => _thread.Invoke((context, _) => context.LoadCheckpoint(checkpoint)).Wait();

    public void Dispose() => _thread.Dispose();
}
