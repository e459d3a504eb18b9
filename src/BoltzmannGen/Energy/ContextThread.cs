using System.Collections.Concurrent;
using OpenMMSharp;

namespace BoltzmannGen.Energy;

/// <summary>
/// A dedicated thread that owns one OpenMM System, Integrator and Context: they are created, used and destroyed
/// on this thread only (a Context is not thread-safe, and GPU platforms bind per-thread resources). Work is sent
/// as delegates and runs in order; callers wait on the returned tasks. Used by the energy pool (one per worker)
/// and by MD (one per replica).
/// </summary>
public sealed class ContextThread : IDisposable
{
    private readonly BlockingCollection<Action<Context, Integrator>> _work = new();
    private readonly Thread _thread;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <param name="systemXml">serialized OpenMM System</param>
    /// <param name="createIntegrator">called on the new thread</param>
    /// <param name="platform">platform name</param>
    /// <param name="properties">platform properties, may be empty</param>
    /// <param name="name">thread name, for debuggers and crash dumps</param>
    public ContextThread(string systemXml, Func<Integrator> createIntegrator, string platform,
                         IReadOnlyDictionary<string, string> properties, string name)
    {
        _thread = new Thread(() => Run(systemXml, createIntegrator, platform, properties)) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Completes when the Context exists, or faults with the reason it could not be created.</summary>
    public Task Ready => _ready.Task;

    /// <summary>Waits until the Context exists; rethrows the creation error (e.g. malformed XML) on the caller's thread.</summary>
    public void WaitReady()
    {
        try { _ready.Task.Wait(); }
        catch (AggregateException e) { throw e.InnerExceptions[0]; }
    }

    public Task<T> Invoke<T>(Func<Context, Integrator, T> work)
    {
        var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add((context, integrator) =>
        {
            try { result.SetResult(work(context, integrator)); }
            catch (Exception e) { result.SetException(e); }
        });
        return result.Task;
    }

    public Task Invoke(Action<Context, Integrator> work) => Invoke((c, i) => { work(c, i); return true; });

    private void Run(string systemXml, Func<Integrator> createIntegrator, string platform, IReadOnlyDictionary<string, string> properties)
    {
        OpenMMSystem? system = null;
        Integrator? integrator = null;
        Context? context = null;
        try
        {
            system = XmlSerializer.DeserializeSystem(systemXml);
            integrator = createIntegrator();
            context = new Context(system, integrator, Platform.GetPlatformByName(platform), properties);
        }
        catch (Exception e)
        {
            context?.Dispose();
            integrator?.Dispose();
            system?.Dispose();
            _ready.SetException(e);
            return;
        }
        _ready.SetResult();

        using (system)
        using (integrator)
        using (context)
        {
            foreach (var work in _work.GetConsumingEnumerable()) work(context, integrator);
        }
    }

    public void Dispose()
    {
        _work.CompleteAdding();
        _thread.Join();
        _work.Dispose();
    }
}
