using System.Diagnostics;
using BoltzmannGen.Data;
using BoltzmannGen.Datasets;
using BoltzmannGen.Numerics.Assignment;
using BoltzmannGen.Optimisation;
using BoltzmannGen.Systems;
using BoltzmannGen.Teacher;
using BoltzmannGen.Teacher.Ode;

namespace BoltzmannGen.Targets;

/// <summary>What `bgen targets` pairs and where it writes (options of the other kind are ignored).</summary>
/// <param name="Kind">ot (exact optimal transport to MD frames) or reflow (the teacher's ODE solutions)</param>
/// <param name="Out">targets.npz; an existing file is replaced only with Force or Resume</param>
/// <param name="Writer">who holds OUT's writer lock (docs/design.md §5.8), which covers reflow's OUT.partial chunks: the command line</param>
/// <param name="DataPath">ot: the dataset whose training frames are paired</param>
/// <param name="Align">ot: none, or kabsch (each frame rotated onto its prior draw before the cost)</param>
/// <param name="Cost">ot: cartesian or internal</param>
/// <param name="Threads">ot: threads of the assignment solver (0: all processors)</param>
/// <param name="TeacherPath">reflow: the teacher folder</param>
/// <param name="Solver">reflow: the ODE solver, with <paramref name="Steps"/> fixed steps, in chunks of <paramref name="Chunk"/> pairs</param>
/// <param name="Device">reflow: cpu, cuda or auto, for the teacher</param>
/// <param name="Resume">reflow: keep the chunks a killed run (or the parts) made</param>
/// <param name="Part">reflow, with <paramref name="Parts"/> &gt; 1: make only chunks Part, Part + Parts, … (<see cref="FortTargets.RunPart"/>)</param>
public sealed record FortTargetsRequest(PeptideSystem System, string Kind, string Out, string Writer, int Pairs = 20000, int Seed = 1,
                                        bool Force = false, bool Resume = false, string DataPath = "", string Align = "none",
                                        string Cost = "cartesian", int Threads = 0, string? TeacherPath = null, string Solver = "rk4",
                                        int Steps = 20, int Chunk = 1000, string Device = "auto", int Part = 0, int Parts = 1);

/// <summary>What a part of the reflow chunks made: its chunks and pairs, the wall time and the folder they are in.</summary>
public sealed record ReflowPartResult(int Chunks, int Pairs, double Seconds, string WorkFolder);

/// <summary>What was written: the file's meta, its length scale, and the wall time of the pairing.</summary>
public sealed record FortTargetsResult(TargetsMeta Meta, double Scale, double Seconds);

/// <summary>
/// FORT regression pairs written as targets.npz (`bgen targets`; docs/design.md §5.2, §6.2, §6.3): ot pairs prior
/// draws with MD training frames by an exact assignment (<see cref="OtTargetProblem"/>,
/// <see cref="OptimalTransportPairing"/>); reflow pairs them with the teacher's ODE solutions (<see cref="ReflowTargets"/>,
/// chunks saved in OUT.partial as they are done).
/// </summary>
public static class FortTargets
{
    /// <param name="display">shows the pairing's progress: pairs done (reflow) or rows assigned (ot) of the pairs</param>
    public static FortTargetsResult Run(FortTargetsRequest request, ProgressDisplay<int> display, CancellationToken cancellation = default)
    {
        using var writer = WriterLock.Acquire(request.Out, request.Writer);
        ExistingOutput.Refuse(request.Out, request.Force || request.Resume, "--out");
        return request.Kind == "reflow" ? Reflow(request, display, cancellation) : OptimalTransport(request, display, cancellation);
    }

    /// <summary>
    /// Part <see cref="FortTargetsRequest.Part"/> of <see cref="FortTargetsRequest.Parts"/> of the reflow chunks, into
    /// OUT.partial/ only, under the lock of OUT.partial/part-K: parts run side by side (Slurm array tasks), and a
    /// `Resume` run assembles their chunks into OUT, the pairs one process makes. An existing OUT is left alone.
    /// </summary>
    public static ReflowPartResult RunPart(FortTargetsRequest request, ProgressDisplay<int> display, CancellationToken cancellation = default)
    {
        var (reflow, origin, _) = PairMaker(request);
        string work = request.Out + ".partial";
        Directory.CreateDirectory(work);
        using var writer = WriterLock.Acquire(Path.Combine(work, $"part-{request.Part}"), request.Writer);
        var clock = Stopwatch.StartNew();
        int pairs = reflow.PairsOfPart(request.Pairs, request.Part, request.Parts), chunks = 0;
        display($"reflow part {request.Part + 1}/{request.Parts} ({request.Solver}, {request.Steps} steps)", pairs,
                progress => chunks = reflow.MakePart(request.Pairs, request.Part, request.Parts, work, origin, progress, cancellation));
        return new ReflowPartResult(chunks, pairs, clock.Elapsed.TotalSeconds, work);
    }

    /// <summary>
    /// The teacher's pair maker, and the origin its chunks are tagged with: system, teacher weights (their sha256),
    /// solver and steps, so chunks of another teacher are never reused.
    /// </summary>
    private static (ReflowTargets Reflow, string Origin, TeacherInfo Info) PairMaker(FortTargetsRequest request)
    {
        var (teacher, info) = TeacherDirectory.Load(request.TeacherPath!, request.System, TorchDevices.Resolve(request.Device));
        var options = new CnfOptions { Solver = request.Solver, Steps = request.Steps };
        try { options.Validate(); }
        catch (ArgumentException e) { throw InputException.From(e); }
        string weights = string.Join(", ", (info.Sha256 ?? new Dictionary<string, string>()).Select(kv => $"{kv.Key} {kv.Value}"));
        string origin = $"{request.System.Name}; teacher {weights}; {request.Solver}, {request.Steps} steps";
        return (new ReflowTargets(teacher, options, request.Seed, request.Chunk), origin, info);
    }

    private static FortTargetsResult Reflow(FortTargetsRequest request, ProgressDisplay<int> display, CancellationToken cancellation)
    {
        var system = request.System;
        var (reflow, origin, info) = PairMaker(request);
        string work = request.Out + ".partial";
        if (!request.Resume && Directory.Exists(work)) Directory.Delete(work, recursive: true);

        var clock = Stopwatch.StartNew();
        (float[] X0, float[] X1) pairs = ([], []);
        display($"reflow pairs ({request.Solver}, {request.Steps} steps)", request.Pairs,
                progress => pairs = reflow.Generate(request.Pairs, work, origin, progress, cancellation));
        double before = 0;
        for (long i = 0; i < pairs.X0.LongLength; i++) before += (pairs.X1[i] - pairs.X0[i]) * (double)(pairs.X1[i] - pairs.X0[i]);
        var meta = new TargetsMeta
        {
            System = system.Name, Kind = "reflow", Pairs = request.Pairs, Seed = request.Seed, Source = request.TeacherPath!,
            MeanSquaredDistancePaired = before / request.Pairs, Seconds = Math.Round(clock.Elapsed.TotalSeconds, 1),
            Solver = $"{request.Solver}, {request.Steps} steps",
            InternalCoordinates = info.InternalCoordinates?.DeepClone(),
        };
        new TargetsFile(pairs.X0, pairs.X1, request.Pairs, system.AtomCount, info.Scale, meta).Write(request.Out);
        Directory.Delete(work, recursive: true);
        return new FortTargetsResult(meta, info.Scale, clock.Elapsed.TotalSeconds);
    }

    private static FortTargetsResult OptimalTransport(FortTargetsRequest request, ProgressDisplay<int> display, CancellationToken cancellation)
    {
        var system = request.System;
        var dataset = ReferenceDataset.Load(request.DataPath, system);
        var train = dataset.Split("train");
        if (request.Pairs > train.Count)
            throw new InputException($"--pairs {request.Pairs} is more than the {train.Count} training frames in {request.DataPath}.");
        var problem = OtTargetProblem.Build(system, train, request.Pairs, request.Seed, request.Cost);
        int n = problem.Pairs;
        var clock = Stopwatch.StartNew();
        OtPairing pairing = null!;
        display($"exact assignment of {n} pairs", n, progress =>
        {
            pairing = OptimalTransportPairing.Pair(problem.CostRows, problem.CostColumns, n, problem.CostDimension, request.Align == "kabsch", request.Threads,
                new RowsAssigned(progress), cancellation);
            progress.Report(n);
        });
        var meta = new TargetsMeta
        {
            System = system.Name, Kind = "ot", Pairs = n, Seed = request.Seed, Source = request.DataPath, Align = request.Align, Cost = request.Cost,
            MeanSquaredDistanceRandom = pairing.MeanSquaredDistanceBefore, MeanSquaredDistancePaired = pairing.MeanSquaredDistanceAfter,
            Seconds = Math.Round(clock.Elapsed.TotalSeconds, 1),
        };
        new TargetsFile(problem.Prior, problem.Targets(pairing), n, problem.Atoms, problem.Scale, meta).Write(request.Out);
        return new FortTargetsResult(meta, problem.Scale, clock.Elapsed.TotalSeconds);
    }

    private sealed class RowsAssigned(IProgress<int> rows) : IProgress<AssignmentProgress>
    {
        public void Report(AssignmentProgress value) => rows.Report(value.AssignedRows);
    }
}
