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
    private readonly EnergyWorker[] _workers;

    public PotentialEnergy(string systemXml, int atomCount, double temperatureK, EnergyOptions? options = null, string? name = null)
    {
        options ??= new EnergyOptions();
        Name = name ?? "system";
        AtomCount = atomCount;
        TemperatureK = temperatureK;
        Options = options;

        // Check on the calling thread first, so that a bad System XML, a wrong atom count or an unknown platform
        // is reported once, clearly, before any worker starts.
        using (var system = XmlSerializer.DeserializeSystem(systemXml))
        {
            if (system.NumParticles != atomCount)
                throw new InputException($"{Name}: system.xml has {system.NumParticles} particles but the topology has {atomCount} atoms.");
        }
        PlatformName = Platform.GetPlatformByName(options.Platform).Name;

        _workers = new EnergyWorker[Math.Max(1, options.EffectiveThreads)];
        for (int i = 0; i < _workers.Length; i++) _workers[i] = new EnergyWorker(systemXml, options, i);
        try
        {
            Task.WaitAll(_workers.Select(w => w.Ready).ToArray());
        }
        catch (AggregateException e)
        {
            Dispose();
            throw e.InnerExceptions[0];
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

        int slices = Math.Min(_workers.Length, count);
        var jobs = new EnergyJob[slices];
        using (var done = new CountdownEvent(slices))
        {
            for (int s = 0, start = 0; s < slices; s++)
            {
                int n = count / slices + (s < count % slices ? 1 : 0);
                jobs[s] = new EnergyJob(
                    positions.Slice(start * perFrame, n * perFrame), n,
                    energies.AsMemory(start, n),
                    forces is null ? Memory<double>.Empty : forces.AsMemory(start * perFrame, n * perFrame),
                    firstFrame + start, done);
                _workers[s].Post(jobs[s]);
                start += n;
            }
            done.Wait();
        }
        foreach (var job in jobs)
        {
            if (job.Error is OpenMMException e)
                throw new OpenMMException($"{Name}, frames from {job.FirstFrame}: {e.Message}");
            if (job.Error is not null) throw job.Error;
        }
        return new EnergyBatch(energies, forces, KT);
    }

    private void RejectNonFinite(ReadOnlySpan<double> positions, int firstFrame)
    {
        int perFrame = 3 * AtomCount;
        for (int i = 0; i < positions.Length; i++)
        {
            if (double.IsFinite(positions[i])) continue;
            int frame = i / perFrame, atom = i % perFrame / 3;
            throw new InputException(
                $"{Name}: frame {firstFrame + frame} has a non-finite coordinate ({positions[i]}) at atom {atom}.");
        }
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
