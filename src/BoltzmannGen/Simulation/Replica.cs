using System.Buffers.Binary;
using BoltzmannGen.Energy;
using BoltzmannGen.Numerics;
using BoltzmannGen.Systems;
using OpenMMSharp;

namespace BoltzmannGen.Simulation;

/// <summary>Positions (nm), velocities (nm/ps), potential and kinetic energy (kJ/mol) of one replica at one time.</summary>
public sealed record ReplicaSnapshot(double[] Positions, double[] Velocities, double PotentialEnergy, double KineticEnergy);

/// <summary>
/// One Langevin trajectory at a fixed temperature, on its own thread with its own OpenMM Context.
/// The dynamics is the LFMiddle scheme of OpenMM's LangevinMiddleIntegrator, run by our own stepper in the shim
/// (<see cref="LangevinMiddleStepper"/>) with a random generator private to this replica (OpenMM's Reference
/// integrators share one process-wide generator, so parallel replicas would be neither reproducible nor
/// independent). The replica's whole state — positions, velocities, generator, step count — is therefore ours, and
/// a checkpoint restores it bit for bit.
/// All members block until the replica's thread has done the work, except <see cref="StepAsync"/>.
/// </summary>
public sealed class Replica : IDisposable
{
    private const uint CheckpointMagic = 0x4C504552; // "REPL"
    private readonly ContextThread _thread;
    private readonly MDProtocol _protocol;
    private readonly double[] _masses;
    private readonly bool _removeCentreOfMassMotion;
    // State below is touched only on the replica's thread (inside _thread.Invoke).
    private double[] _x;
    private double[] _v;
    private ulong[] _rng;
    private long _steps;
    private double _potential;

    public Replica(string systemXml, MDProtocol protocol, double temperatureK, ulong seed, string name)
    {
        TemperatureK = temperatureK;
        _protocol = protocol;
        using (var system = XmlSerializer.DeserializeSystem(systemXml))
        {
            _masses = Enumerable.Range(0, system.NumParticles).Select(system.GetParticleMass).ToArray();
            _removeCentreOfMassMotion = system.Forces.Any(f => f.TypeName == "CMMotionRemover");
        }
        _x = new double[3 * _masses.Length];
        _v = new double[3 * _masses.Length];
        _rng = new Xoshiro256(seed).State;
        _thread = new ContextThread(systemXml, () => new VerletIntegrator(protocol.StepPs), protocol.Platform,
            protocol.PlatformProperties, name);
        _thread.WaitReady();
    }

    public double TemperatureK { get; }
    public double KT => Thermodynamics.KT(TemperatureK);

    /// <summary>Degrees of freedom of the velocities: 3N, less 3 when the centre-of-mass motion is removed.</summary>
    public int DegreesOfFreedom => 3 * _masses.Length - (_removeCentreOfMassMotion ? 3 : 0);

    /// <summary>Sets positions, optionally minimises the energy (L-BFGS), and draws Maxwell–Boltzmann velocities.</summary>
    public void Prepare(double[] positions, bool minimize) =>
        _thread.Invoke((context, _) =>
        {
            context.SetPositions(positions);
            if (minimize) LocalEnergyMinimizer.Minimize(context, tolerance: 1.0);
            using (var state = context.GetState(StateDataTypes.Positions | StateDataTypes.Energy))
            {
                _x = state.GetPositions();
                _potential = state.PotentialEnergy;
            }
            var random = Xoshiro256.FromState(_rng);
            for (int i = 0; i < _masses.Length; i++)
            {
                double sigma = Math.Sqrt(KT / _masses[i]);
                for (int d = 0; d < 3; d++) _v[3 * i + d] = sigma * Gaussian(random);
            }
            if (_removeCentreOfMassMotion) RemoveCentreOfMassVelocity(_v, _masses);
            _rng = random.State;
        }).Wait();

    /// <summary>Starts <paramref name="steps"/> steps; replicas step in parallel, so wait on the task.</summary>
    public Task StepAsync(int steps) =>
        _thread.Invoke((context, _) =>
        {
            _potential = LangevinMiddleStepper.Step(context, steps, KT, _protocol.FrictionPerPs, _protocol.StepPs, _masses,
                _x, _v, _rng, _removeCentreOfMassMotion);
            _steps += steps;
        });

    /// <summary>Advances <paramref name="steps"/> steps and waits.</summary>
    public void Step(int steps) => StepAsync(steps).Wait();

    public long StepCount => _thread.Invoke((_, _) => _steps).Result;

    public ReplicaSnapshot Snapshot() =>
        _thread.Invoke((_, _) =>
        {
            double kinetic = 0;
            for (int k = 0; k < _v.Length; k++) kinetic += 0.5 * _masses[k / 3] * _v[k] * _v[k];
            return new ReplicaSnapshot((double[])_x.Clone(), (double[])_v.Clone(), _potential, kinetic);
        }).Result;

    /// <summary>Moves a configuration in (an exchange): positions as given, velocities scaled by √(T_this / T_from).</summary>
    public void Accept(ReplicaSnapshot from, double fromTemperatureK) =>
        _thread.Invoke((_, _) =>
        {
            double scale = Math.Sqrt(TemperatureK / fromTemperatureK);
            _x = (double[])from.Positions.Clone();
            _v = Array.ConvertAll(from.Velocities, v => v * scale);
            _potential = from.PotentialEnergy;
        }).Wait();

    /// <summary>The replica's whole state as bytes: step count, positions, velocities, generator, energy.</summary>
    public byte[] CreateCheckpoint() =>
        _thread.Invoke((_, _) =>
        {
            int n = _x.Length;
            var bytes = new byte[4 + 4 + 8 + 8 * n * 2 + 8 * 4 + 8];
            var span = bytes.AsSpan();
            BinaryPrimitives.WriteUInt32LittleEndian(span, CheckpointMagic);
            BinaryPrimitives.WriteInt32LittleEndian(span[4..], n);
            BinaryPrimitives.WriteInt64LittleEndian(span[8..], _steps);
            int at = 16;
            foreach (var value in _x.Concat(_v)) { BinaryPrimitives.WriteDoubleLittleEndian(span[at..], value); at += 8; }
            foreach (var word in _rng) { BinaryPrimitives.WriteUInt64LittleEndian(span[at..], word); at += 8; }
            BinaryPrimitives.WriteDoubleLittleEndian(span[at..], _potential);
            return bytes;
        }).Result;

    /// <summary>Restores <see cref="CreateCheckpoint"/>'s bytes; anything else is an InvalidDataException.</summary>
    public void LoadCheckpoint(byte[] bytes) =>
        _thread.Invoke((_, _) =>
        {
            int n = _x.Length;
            var span = bytes.AsSpan();
            if (bytes.Length != 4 + 4 + 8 + 8 * n * 2 + 8 * 4 + 8 || BinaryPrimitives.ReadUInt32LittleEndian(span) != CheckpointMagic
                || BinaryPrimitives.ReadInt32LittleEndian(span[4..]) != n)
                throw new InvalidDataException($"not a checkpoint of a {n / 3}-atom replica");
            _steps = BinaryPrimitives.ReadInt64LittleEndian(span[8..]);
            int at = 16;
            for (int k = 0; k < n; k++, at += 8) _x[k] = BinaryPrimitives.ReadDoubleLittleEndian(span[at..]);
            for (int k = 0; k < n; k++, at += 8) _v[k] = BinaryPrimitives.ReadDoubleLittleEndian(span[at..]);
            for (int k = 0; k < 4; k++, at += 8) _rng[k] = BinaryPrimitives.ReadUInt64LittleEndian(span[at..]);
            _potential = BinaryPrimitives.ReadDoubleLittleEndian(span[at..]);
        }).Wait();

    private static double Gaussian(Xoshiro256 random)
    {
        double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    private static void RemoveCentreOfMassVelocity(double[] v, double[] masses)
    {
        Span<double> p = stackalloc double[3];
        double total = masses.Sum();
        for (int i = 0; i < masses.Length; i++)
            for (int d = 0; d < 3; d++) p[d] += masses[i] * v[3 * i + d];
        for (int i = 0; i < masses.Length; i++)
            for (int d = 0; d < 3; d++) v[3 * i + d] -= p[d] / total;
    }

    public void Dispose() => _thread.Dispose();
}
