using BoltzmannGen.Data;
using BoltzmannGen.Optimisation;
using BoltzmannGen.Systems;
using BoltzmannGen.Teacher;
using BoltzmannGen.Teacher.Ode;
using static TorchSharp.torch;

namespace BoltzmannGen.Sampling;

/// <summary>What `bgen teacher sample` draws and where it writes.</summary>
/// <param name="Teacher">a teacher folder (`bgen teacher train`)</param>
/// <param name="Catalog">where the teacher's system is found</param>
/// <param name="Options">the ODE solver, its tolerances, the divergence (exact or Hutchinson) and the seed</param>
/// <param name="Out">samples.npz</param>
/// <param name="Writer">who holds OUT's writer lock (docs/design.md §5.8): the command line</param>
/// <param name="Batch">conformations per ODE solve</param>
/// <param name="Device">cpu, cuda or auto</param>
public sealed record TeacherSampleRequest(string Teacher, SystemCatalog Catalog, CnfOptions Options, string Out, string Writer, int Count,
                                          int Batch, string Device = "auto");

/// <summary>What was drawn: the teacher's teacher.json, the wall time, and whether log q is Hutchinson's estimate (not exact).</summary>
public sealed record TeacherSampleResult(TeacherInfo Info, double Seconds, bool LogQIsEstimate);

/// <summary>
/// Conformations from the teacher CNF with log q by the integrated divergence (`bgen teacher sample`), written in the
/// samples.npz contract of `bgen sample` (docs/design.md §5.5), so teacher samples reweight and report like a flow's.
/// </summary>
public static class TeacherSampling
{
    /// <param name="display">shows the draws' progress (conformations drawn of the count)</param>
    public static TeacherSampleResult Run(TeacherSampleRequest request, ProgressDisplay<int> display, CancellationToken cancellation = default)
    {
        var options = request.Options;
        try { options.Validate(); }
        catch (ArgumentException e) { throw InputException.From(e); }
        var info = TeacherDirectory.ReadInfo(request.Teacher, "--model");
        var (model, _) = TeacherDirectory.Load(request.Teacher, request.Catalog.Get(info.System), TorchDevices.Resolve(request.Device), "--model");
        using var writer = WriterLock.Acquire(request.Out, request.Writer);

        using var generator = new Generator((ulong)options.Seed);
        bool estimate = string.Equals(options.Divergence, "hutchinson", StringComparison.OrdinalIgnoreCase);
        var (_, seconds) = SampleBatches.DrawAndWrite(request.Out, $"CNF samples of {info.System} ({options.Solver}, {options.Divergence} divergence)",
            request.Count, request.Batch, info.Atoms, n => model.Sample(n, generator, options), display,
            estimate ? [("log_q_is_estimate", new NpyArray([true], 1))] : null, cancellation);
        return new TeacherSampleResult(info, seconds, estimate);
    }
}
