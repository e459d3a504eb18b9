using System.Collections.Concurrent;
using OpenMMSharp;

namespace BoltzmannGen.Energy;

/// <summary>
/// One dedicated thread owning one OpenMM Context. The Context is created, used and destroyed on this thread
/// only (OpenMM contexts are not thread-safe, and some platforms bind per-thread resources).
/// </summary>
internal sealed class EnergyWorker : IDisposable
{
    private readonly BlockingCollection<EnergyJob> _jobs = new();
    private readonly Thread _thread;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public EnergyWorker(string systemXml, EnergyOptions options, int index)
    {
        _thread = new Thread(() => Run(systemXml, options)) { IsBackground = true, Name = $"openmm-energy-{index}" };
        _thread.Start();
    }

    /// <summary>Completes when the Context exists, or faults with the reason it could not be created.</summary>
    public Task Ready => _ready.Task;

    public void Post(EnergyJob job) => _jobs.Add(job);

    private void Run(string systemXml, EnergyOptions options)
    {
        OpenMMSystem? system = null;
        Integrator? integrator = null;
        Context? context = null;
        try
        {
            system = XmlSerializer.DeserializeSystem(systemXml);
            integrator = new VerletIntegrator(0.001);
            context = new Context(system, integrator, Platform.GetPlatformByName(options.Platform), options.PlatformProperties);
            _ready.SetResult();
        }
        catch (Exception e)
        {
            _ready.SetException(e);
            context?.Dispose();
            integrator?.Dispose();
            system?.Dispose();
            return;
        }

        using (system)
        using (integrator)
        using (context)
        {
            foreach (var job in _jobs.GetConsumingEnumerable())
                job.RunOn(context);
        }
    }

    public void Dispose()
    {
        _jobs.CompleteAdding();
        _thread.Join();
        _jobs.Dispose();
    }
}

/// <summary>A contiguous slice of a batch for one worker; signals a shared countdown when done.</summary>
internal sealed class EnergyJob
{
    private readonly ReadOnlyMemory<double> _positions;
    private readonly Memory<double> _energies;
    private readonly Memory<double> _forces;
    private readonly int _count;
    private readonly CountdownEvent _done;

    public EnergyJob(ReadOnlyMemory<double> positions, int count, Memory<double> energies, Memory<double> forces, int firstFrame, CountdownEvent done)
    {
        _positions = positions;
        _count = count;
        _energies = energies;
        _forces = forces;
        FirstFrame = firstFrame;
        _done = done;
    }

    public int FirstFrame { get; }
    public Exception? Error { get; private set; }

    public void RunOn(Context context)
    {
        try
        {
            context.EvaluateBatch(_positions.Span, _count, _energies.Span, _forces.Span);
        }
        catch (Exception e)
        {
            Error = e;
        }
        finally
        {
            _done.Signal();
        }
    }
}
