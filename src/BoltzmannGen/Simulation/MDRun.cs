using System.Diagnostics;
using System.Text.Json;
using BoltzmannGen.Energy;
using BoltzmannGen.Numerics;
using BoltzmannGen.Systems;

namespace BoltzmannGen.Simulation;

/// <summary>Where a run is: phase, steps done of the current phase, wall time, speed, swap acceptance.</summary>
public sealed record MDProgress(string Phase, long StepsDone, long StepsTotal, double WallSeconds, double NsPerDay,
                                IReadOnlyList<double> SwapAcceptance);

/// <summary>
/// The frames a run produced, concatenated replica by replica (each in time order), with energies (kJ/mol),
/// swap statistics of each ladder, wall time and simulated time per trajectory.
/// </summary>
public sealed record MDResult(float[] Positions, double[] Energies, int FramesPerReplica, int Replicas,
                              double[][] SwapAcceptance, double WallSeconds, double NanosecondsPerReplica);

/// <summary>
/// Langevin MD of one system: <c>Replicas</c> independent ladders, each with one replica per temperature (one
/// temperature = plain MD, several = replica exchange). Frames of each ladder's base temperature are recorded
/// every save interval into a work folder; checkpoints let a killed run continue exactly where it stopped, and a
/// resumed run produces the same frames as an uninterrupted one with the same seed.
/// </summary>
public sealed class MDRun : IDisposable
{
    private const string OptionsFile = "run.json";
    private const string CheckpointFile = "checkpoint.zip";

    private readonly PeptideSystem _system;
    private readonly MDOptions _options;
    private readonly string _work;
    private readonly Replica[][] _replicas;
    private readonly ReplicaExchange[] _exchange;
    private Xoshiro256 _random;

    /// <param name="workDirectory">holds run.json, checkpoint.zip and the recorded frames while the run is going</param>
    /// <param name="resume">continue the run in <paramref name="workDirectory"/>; otherwise it must not hold one</param>
    public MDRun(PeptideSystem system, MDOptions options, string workDirectory, bool resume)
    {
        options.Validate();
        _system = system;
        _options = options;
        _work = workDirectory;
        // Refuse first, write last: a refused command (a bad platform, a ladder OpenMM rejects) must not leave a
        // run.json behind, which would make the corrected command meet "an interrupted run".
        var saved = CheckWorkDirectory(resume);

        // All seeds come from one generator in a fixed order, so the same --seed gives the same run.
        _random = new Xoshiro256((ulong)options.Seed);
        string xml = system.ReadSystemXml();
        int rungs = options.TemperaturesK.Count;
        _replicas = new Replica[options.Replicas][];
        _exchange = new ReplicaExchange[options.Replicas];
        try
        {
            for (int l = 0; l < options.Replicas; l++)
            {
                _exchange[l] = new ReplicaExchange(options.TemperaturesK);
                _replicas[l] = new Replica[rungs];
                for (int k = 0; k < rungs; k++)
                {
                    _replicas[l][k] = new Replica(xml, options.Protocol, options.TemperaturesK[k], _random.NextUInt64(), $"md-{l}-{k}");
                }
            }
            WriteWorkDirectory(saved);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public static string OptionsPath(string work) => Path.Combine(work, OptionsFile);

    /// <summary>Refuses a work folder that does not fit (writes nothing); returns the stored options when resuming.</summary>
    private MDOptions? CheckWorkDirectory(bool resume)
    {
        string optionsPath = OptionsPath(_work);
        if (resume)
        {
            if (!File.Exists(optionsPath))
                throw new InputException($"--resume: no interrupted run in {_work} (no {OptionsFile}).");
            var saved = JsonSerializer.Deserialize<MDOptions>(File.ReadAllText(optionsPath))
                        ?? throw new InputException($"{optionsPath} is empty.");
            // --ns may change on resume (extend or shorten a run); everything else must match.
            var differences = Differences(saved with { Nanoseconds = _options.Nanoseconds }, _options);
            if (differences.Count > 0)
                throw new InputException($"--resume: the interrupted run in {_work} used different settings: {string.Join("; ", differences)}.");
            return saved;
        }
        if (File.Exists(optionsPath))
            throw new InputException($"{_work} holds an interrupted run; continue it with --resume, or start over with --force.");
        return null;
    }

    /// <summary>Creates the work folder with run.json (a new run), or updates a resumed run's --ns.</summary>
    private void WriteWorkDirectory(MDOptions? saved)
    {
        string optionsPath = OptionsPath(_work);
        string json = JsonSerializer.Serialize(_options, new JsonSerializerOptions { WriteIndented = true });
        if (saved is not null)
        {
            if (saved.Nanoseconds != _options.Nanoseconds)
                Data.AtomicFile.WriteText(optionsPath, json);
            return;
        }
        Directory.CreateDirectory(_work);
        Data.AtomicFile.WriteText(optionsPath, json);
    }

    private static List<string> Differences(MDOptions saved, MDOptions now)
    {
        var a = JsonSerializer.SerializeToElement(saved);
        var b = JsonSerializer.SerializeToElement(now);
        return a.EnumerateObject()
            .Where(p => b.TryGetProperty(p.Name, out var v) ? v.ToString() != p.Value.ToString() : true)
            .Select(p => $"{p.Name} was {p.Value}, now {(b.TryGetProperty(p.Name, out var v) ? v.ToString() : "absent")}")
            .ToList();
    }

    public MDResult Run(IProgress<MDProgress>? progress = null, CancellationToken cancellation = default)
    {
        string checkpointPath = Path.Combine(_work, CheckpointFile);
        using var store = new FrameStore(_work, _system.AtomCount);
        var clock = Stopwatch.StartNew();
        double wallBefore = 0;
        long segmentsDone = 0;

        if (File.Exists(checkpointPath))
        {
            var checkpoint = MDCheckpoint.Read(checkpointPath, _replicas.Length, _options.TemperaturesK.Count);
            Restore(checkpoint);
            segmentsDone = checkpoint.State.SegmentsDone;
            if (segmentsDone > _options.Segments)
                throw new InputException($"--resume --ns {_options.Nanoseconds}: the run has already simulated {segmentsDone * _options.SaveEveryPs / 1000} ns; give at least that.");
            wallBefore = checkpoint.State.WallSeconds;
            store.Truncate(segmentsDone * _replicas.Length);
        }
        else
        {
            store.Truncate(0);
            Equilibrate(progress, clock);
            WriteCheckpoint(checkpointPath, store, 0, wallBefore + clock.Elapsed.TotalSeconds);
        }

        long checkpointSegments = _options.CheckpointSteps / _options.SaveSteps;
        long swapSegments = _options.SaveIntervalsPerSwap;
        int subSteps = _options.StepsPerSwapWithinSave;
        int subSegments = _options.SaveSteps / subSteps;
        long segmentsAtStart = segmentsDone;
        var runClock = Stopwatch.StartNew();
        for (long segment = segmentsDone; segment < _options.Segments; segment++)
        {
            // Exchange may be attempted more often than frames are saved (short swap intervals mix the ladder
            // faster); the frame is the base replica at the end of the save interval, before its last swap.
            for (int sub = 0; sub < subSegments; sub++)
            {
                Task.WaitAll(_replicas.SelectMany(ladder => ladder.Select(r => r.StepAsync(subSteps))).ToArray());
                bool saveNow = sub == subSegments - 1;
                bool swapNow = subSegments > 1 || (segment + 1) % swapSegments == 0;
                foreach (var (ladder, l) in _replicas.Select((x, i) => (x, i)))
                {
                    if (!saveNow && ladder.Length == 1) continue;
                    var snapshots = ladder.Select(r => r.Snapshot()).ToArray();
                    if (saveNow) store.Append(snapshots[0].Positions, snapshots[0].PotentialEnergy);
                    if (ladder.Length > 1 && swapNow)
                    {
                        foreach (int i in _exchange[l].Attempt(snapshots.Select(s => s.PotentialEnergy).ToArray(), _random))
                        {
                            ladder[i].Accept(snapshots[i + 1], ladder[i + 1].TemperatureK);
                            ladder[i + 1].Accept(snapshots[i], ladder[i].TemperatureK);
                        }
                    }
                }
            }
            long done = segment + 1;
            bool last = done == _options.Segments;
            bool stop = cancellation.IsCancellationRequested;
            if (last || stop || done % checkpointSegments == 0)
                WriteCheckpoint(checkpointPath, store, done, wallBefore + clock.Elapsed.TotalSeconds);
            double simulatedNs = (done - segmentsAtStart) * _options.SaveSteps * _options.StepPs / 1000;
            progress?.Report(new MDProgress("production", done * _options.SaveSteps, _options.TotalSteps,
                wallBefore + clock.Elapsed.TotalSeconds, simulatedNs / runClock.Elapsed.TotalDays, Acceptance(0)));
            if (stop && !last) cancellation.ThrowIfCancellationRequested();
        }

        var (positions, energies) = store.ReadAll();
        var (orderedPositions, orderedEnergies) = ByReplica(positions, energies);
        return new MDResult(orderedPositions, orderedEnergies, (int)_options.Segments, _replicas.Length,
            _exchange.Select((_, l) => Acceptance(l)).ToArray(), wallBefore + clock.Elapsed.TotalSeconds,
            _options.TotalSteps * _options.StepPs / 1000);
    }

    private double[] Acceptance(int ladder) =>
        Enumerable.Range(0, _exchange[ladder].Attempts.Length).Select(_exchange[ladder].AcceptanceRate).ToArray();

    private void Equilibrate(IProgress<MDProgress>? progress, Stopwatch clock)
    {
        var reference = _system.ReferencePositions;
        for (int l = 0; l < _replicas.Length; l++)
        for (int k = 0; k < _replicas[l].Length; k++)
            _replicas[l][k].Prepare(reference, minimize: true);

        long total = _options.EquilibrationSteps, done = 0;
        int chunk = (int)Math.Min(total == 0 ? 1 : total, 10_000);
        while (done < total)
        {
            int n = (int)Math.Min(chunk, total - done);
            Task.WaitAll(_replicas.SelectMany(ladder => ladder.Select(r => r.StepAsync(n))).ToArray());
            done += n;
            progress?.Report(new MDProgress("equilibration", done, total, clock.Elapsed.TotalSeconds,
                done * _options.StepPs / 1000 / clock.Elapsed.TotalDays, []));
        }
    }

    private void WriteCheckpoint(string path, FrameStore store, long segmentsDone, double wallSeconds)
    {
        store.Flush();
        var blobs = _replicas.Select(ladder => ladder.Select(r => r.CreateCheckpoint()).ToArray()).ToArray();
        new MDCheckpoint(new MDCheckpoint.Progress
        {
            Equilibrated = true,
            SegmentsDone = segmentsDone,
            WallSeconds = wallSeconds,
            RandomState = _random.State,
            ExchangeRounds = _exchange.Select(e => e.Round).ToArray(),
            ExchangeAttempts = _exchange.Select(e => e.Attempts).ToArray(),
            ExchangeAccepted = _exchange.Select(e => e.Accepted).ToArray(),
        }, blobs).Write(path);
    }

    private void Restore(MDCheckpoint checkpoint)
    {
        for (int l = 0; l < _replicas.Length; l++)
        {
            for (int k = 0; k < _replicas[l].Length; k++)
            {
                try
                {
                    _replicas[l][k].LoadCheckpoint(checkpoint.Replicas[l][k]);
                }
                catch (InvalidDataException e)
                {
                    throw new InputException($"checkpoint in {_work} is damaged: replica {l}/{k}: {e.Message}", e);
                }
            }
            _exchange[l].Restore(checkpoint.State.ExchangeRounds[l], checkpoint.State.ExchangeAttempts[l], checkpoint.State.ExchangeAccepted[l]);
        }
        _random = Xoshiro256.FromState(checkpoint.State.RandomState);
    }

    /// <summary>The store interleaves ladders per save interval; the dataset wants each trajectory contiguous.</summary>
    private (float[] Positions, double[] Energies) ByReplica(float[] positions, double[] energies)
    {
        int ladders = _replicas.Length, per = _system.AtomCount * 3;
        long segments = energies.Length / ladders;
        var p = new float[positions.Length];
        var e = new double[energies.Length];
        for (long s = 0; s < segments; s++)
        for (int l = 0; l < ladders; l++)
        {
            long from = s * ladders + l, to = l * segments + s;
            Array.Copy(positions, from * per, p, to * per, per);
            e[to] = energies[from];
        }
        return (p, e);
    }

    public void Dispose()
    {
        foreach (var ladder in _replicas)
            if (ladder is not null)
                foreach (var r in ladder) r?.Dispose();
    }
}
