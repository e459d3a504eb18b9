using BoltzmannGen.Systems;
using OpenMMSharp;

namespace BoltzmannGen.Energy;

/// <summary>
/// Batched potential energies (kJ/mol), reduced energies (1/k_B T) and forces (kJ/mol/nm) of conformations of
/// one system, over a pool of OpenMM contexts — one per worker thread. A batch is split into contiguous slices,
/// one per worker, each evaluated in a single native call; results come back in input order.
/// Clashing atoms give huge or infinite energies, which are returned as they are; non-finite coordinates are
/// refused with an error naming the frame.
/// </summary>
public sealed class PotentialEnergy : IDisposable
{
    private readonly ContextThread[] _workers;

    public PotentialEnergy(string systemXml, int atomCount, double temperatureK, EnergyOptions? options = null, string? name = null)
    {
        options ??= new EnergyOptions();
        Name = name ?? "system";
        AtomCount = atomCount;
        TemperatureK = temperatureK;
        Options = options;
        options.Validate();

        // Check on the calling thread first, so that a bad System XML, a wrong atom count or an unknown platform
        // is reported once, clearly, before any worker starts.
        using (var system = XmlSerializer.DeserializeSystem(systemXml))
        {
            if (system.NumParticles != atomCount)
                throw new InputException($"{Name}: system.xml has {system.NumParticles} particles but the topology has {atomCount} atoms.");
        }
        PlatformName = Platform.GetPlatformByName(options.Platform).Name;

        _workers = new ContextThread[Math.Max(1, options.EffectiveThreads)];
        for (int i = 0; i < _workers.Length; i++)
            _workers[i] = new ContextThread(systemXml, () => new VerletIntegrator(0.001), options.Platform, options.PlatformProperties, $"openmm-energy-{i}");
        try
        {
            foreach (var w in _workers) w.WaitReady();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The energy of a built-in system, at that system's temperature.</summary>
    public static PotentialEnergy For(PeptideSystem system, EnergyOptions? options = null) =>
        new(system.ReadSystemXml(), system.AtomCount, system.TemperatureK, options, system.Name);

    public string Name { get; }
    public int AtomCount { get; }
    public double TemperatureK { get; }
    public double KT => Thermodynamics.KT(TemperatureK);
    public EnergyOptions Options { get; }
    public string PlatformName { get; }
    public int Threads => _workers.Length;

    /// <summary>
    /// Energies of <c>positions.Length / (3·AtomCount)</c> conformations given as [frame, atom, xyz] in nm.
    /// <paramref name="firstFrame"/> offsets the frame numbers in error messages (for chunked input).
    /// </summary>
    public EnergyBatch Evaluate(ReadOnlyMemory<double> positions, bool withForces = false, int firstFrame = 0)
    {
        int perFrame = 3 * AtomCount;
        if (positions.Length % perFrame != 0)
            throw new InputException($"{Name}: {positions.Length} coordinates is not a whole number of frames of {AtomCount} atoms.");
        int count = positions.Length / perFrame;
        RejectNonFinite(positions.Span, firstFrame);

        var energies = new double[count];
        var forces = withForces ? new double[count * perFrame] : null;
        if (count == 0) return new EnergyBatch(energies, forces, KT);

        // Contiguous slices, one per worker, each evaluated in one native call.
        int slices = Math.Min(_workers.Length, count);
        var tasks = new Task[slices];
        var firstFrames = new int[slices];
        for (int s = 0, start = 0; s < slices; s++)
        {
            int n = count / slices + (s < count % slices ? 1 : 0);
            var slice = positions.Slice(start * perFrame, n * perFrame);
            var sliceEnergies = energies.AsMemory(start, n);
            var sliceForces = forces is null ? Memory<double>.Empty : forces.AsMemory(start * perFrame, n * perFrame);
            firstFrames[s] = firstFrame + start;
            tasks[s] = _workers[s].Invoke((context, _) => context.EvaluateBatch(slice.Span, n, sliceEnergies.Span, sliceForces.Span));
            start += n;
        }
        for (int s = 0; s < slices; s++)
        {
            try
            {
                tasks[s].Wait();
            }
            catch (AggregateException e)
            {
                if (e.InnerExceptions[0] is OpenMMException inner)
                    throw new OpenMMException($"{Name}, frames from {firstFrames[s]}: {inner.Message}");
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
            }
        }
        return new EnergyBatch(energies, forces, KT);
    }

    /// <summary>
    /// <see cref="Evaluate"/> over many conformations in chunks of <paramref name="chunk"/> frames, reporting the frames
    /// done after each chunk (long jobs show progress and can be cancelled between chunks).
    /// </summary>
    public EnergyBatch EvaluateInChunks(ReadOnlyMemory<double> positions, bool withForces = false, int chunk = 4096,
                                        IProgress<int>? progress = null, CancellationToken cancellation = default)
    {
        int perFrame = 3 * AtomCount;
        if (positions.Length % perFrame != 0)
            throw new InputException($"{Name}: {positions.Length} coordinates is not a whole number of frames of {AtomCount} atoms.");
        int count = positions.Length / perFrame;
        var energies = new double[count];
        var forces = withForces ? new double[positions.Length] : null;
        for (int start = 0; start < count; start += chunk)
        {
            cancellation.ThrowIfCancellationRequested();
            int n = Math.Min(chunk, count - start);
            var batch = Evaluate(positions.Slice(start * perFrame, n * perFrame), withForces, start);
            batch.Energies.CopyTo(energies, start);
            batch.Forces?.CopyTo(forces!, start * perFrame);
            progress?.Report(start + n);
        }
        return new EnergyBatch(energies, forces, KT);
    }

    private void RejectNonFinite(ReadOnlySpan<double> positions, int firstFrame)
    {
        if (Data.Frames.FirstNonFinite(positions, AtomCount) is { } bad)
            throw new InputException(
                $"{Name}: frame {firstFrame + bad.Frame} has a non-finite coordinate ({bad.Value}) at atom {bad.Atom}.");
    }

    public void Dispose()
    {
        foreach (var w in _workers) w?.Dispose();
    }
}

/// <summary>Energies (kJ/mol), optional forces (kJ/mol/nm, [frame, atom, xyz]) and k_B T of one evaluation.</summary>
public sealed record EnergyBatch(double[] Energies, double[]? Forces, double KT)
{
    public int Count => Energies.Length;

    /// <summary>u = E / k_B T.</summary>
    public double[] Reduced => Array.ConvertAll(Energies, e => e / KT);
}
