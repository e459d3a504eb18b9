using System.Text.Json;
using BoltzmannGen.Data;

namespace BoltzmannGen.Datasets;

/// <summary>
/// Pools independent runs of one MD protocol into a dataset (`bgen pool`). A rare basin's population from a single
/// run carries a large error (ALDP's φ &gt; 0 basin: ~20 % from 24 ns of replica exchange); more independent seeds
/// shrink it without touching what was trained on. The runs' frames go to extra.npy / extra_energy.npy, which only
/// the MD free energies read (<see cref="ReferenceDataset.Pooled"/>); train/val/test and their checksums stay as
/// they were. Runs already pooled are kept, so seeds can be added one at a time.
/// </summary>
public static class DatasetPool
{
    /// <summary>
    /// Appends the frames of <paramref name="runs"/> (dataset folders written by `bgen simulate`) to the dataset at
    /// <paramref name="directory"/>. Refuses, before writing anything, a run of another protocol or a seed already
    /// in the pool. The folder is replaced as a whole, so a kill leaves either the old or the new dataset.
    /// </summary>
    public static ReferenceDataset Add(string directory, IReadOnlyList<string> runs)
    {
        if (runs.Count == 0) throw new InputException("Name at least one run folder to pool.");
        var target = ReferenceDataset.Load(directory);
        var seeds = new Dictionary<int, string> { [target.Meta.Seed] = directory };
        foreach (var e in target.Meta.ExtraRuns ?? []) seeds.TryAdd(e.Seed, $"{directory} (pooled earlier)");
        var added = new List<ReferenceDataset>();
        foreach (var path in runs)
        {
            if (Path.GetFullPath(path).TrimEnd('/') == Path.GetFullPath(directory).TrimEnd('/'))
                throw new InputException($"{path} is the dataset itself: pool other runs into it.");
            var run = ReferenceDataset.Load(path);
            if (run.HasExtraRuns)
                throw new InputException($"{path} already pools other runs; pool its own runs one by one instead.");
            if (ProtocolDifference(target.Meta, run.Meta) is { } difference)
                throw new InputException($"{path}: {difference}, unlike {directory}; only runs of the same protocol can be pooled.");
            if (!seeds.TryAdd(run.Meta.Seed, path))
                throw new InputException($"{path} and {seeds[run.Meta.Seed]} were both simulated with seed {run.Meta.Seed}: pooled runs must be independent.");
            added.Add(run);
        }

        var previous = target.HasExtraRuns ? target.Split(ReferenceDataset.ExtraSplit) : null;
        var positions = (previous?.Positions ?? []).Concat(added.SelectMany(r => r.All().Positions)).Select(x => (float)x).ToArray();
        var energies = (target.HasExtraRuns ? target.SplitEnergies(ReferenceDataset.ExtraSplit) : [])
            .Concat(added.SelectMany(r => ReferenceDataset.SplitNames.SelectMany(r.SplitEnergies))).ToArray();
        var extraRuns = (target.Meta.ExtraRuns ?? []).Concat(added.Select(Describe)).ToList();
        int atoms = target.Meta.Atoms;

        AtomicFolder.Replace(Path.GetFullPath(directory).TrimEnd('/'), fresh =>
        {
            foreach (var file in Directory.GetFiles(directory))
            {
                string name = Path.GetFileName(file);
                if (name is ReferenceDataset.MetaFile || ReferenceDataset.IsExtraFile(name)) continue;
                File.Copy(file, Path.Combine(fresh, name));
            }
            string framesFile = $"{ReferenceDataset.ExtraSplit}.npy", energyFile = $"{ReferenceDataset.ExtraSplit}_energy.npy";
            Npy.Write(Path.Combine(fresh, framesFile), positions, energies.Length, atoms, 3);
            Npy.Write(Path.Combine(fresh, energyFile), energies, energies.Length);
            var checksums = target.Meta.Sha256.Where(kv => !ReferenceDataset.IsExtraFile(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value);
            foreach (var name in new[] { framesFile, energyFile })
                checksums[name] = ReferenceDataset.Sha256(Path.Combine(fresh, name));
            var meta = target.Meta with
            {
                ExtraRuns = extraRuns,
                PooledPhiPositivePopulation = PooledPopulations(target.Meta, extraRuns),
                Sha256 = checksums,
            };
            var json = JsonSerializer.SerializeToUtf8Bytes(meta, new JsonSerializerOptions { WriteIndented = true });
            AtomicFile.Write(Path.Combine(fresh, ReferenceDataset.MetaFile), s => s.Write(json));
        });
        return ReferenceDataset.Load(directory);
    }

    /// <summary>The first setting in which two runs' protocols differ, said as a user would check it, or null when they agree.</summary>
    public static string? ProtocolDifference(DatasetMeta a, DatasetMeta b)
    {
        if (a.System != b.System || a.Atoms != b.Atoms) return $"system is {b.System} ({b.Atoms} atoms), not {a.System} ({a.Atoms} atoms)";
        if (a.ForceField != b.ForceField || a.Solvent != b.Solvent) return $"force field is {b.ForceField} + {b.Solvent}, not {a.ForceField} + {a.Solvent}";
        if (a.TemperatureK != b.TemperatureK) return $"temperature_k is {b.TemperatureK}, not {a.TemperatureK}";
        if (!a.TemperaturesK.SequenceEqual(b.TemperaturesK))
            return $"temperatures_k is [{string.Join(", ", b.TemperaturesK)}], not [{string.Join(", ", a.TemperaturesK)}]";
        if (a.SwapIntervalPs != b.SwapIntervalPs) return $"swap_interval_ps is {b.SwapIntervalPs?.ToString() ?? "none"}, not {a.SwapIntervalPs?.ToString() ?? "none"}";
        if (a.Integrator != b.Integrator) return $"integrator is {b.Integrator}, not {a.Integrator}";
        if (a.TimestepPs != b.TimestepPs) return $"timestep_ps is {b.TimestepPs}, not {a.TimestepPs}";
        if (a.FrictionPerPs != b.FrictionPerPs) return $"friction_per_ps is {b.FrictionPerPs}, not {a.FrictionPerPs}";
        if (a.SaveIntervalPs != b.SaveIntervalPs) return $"save_interval_ps is {b.SaveIntervalPs}, not {a.SaveIntervalPs}";
        return null;
    }

    /// <summary>φ &gt; 0 populations over the dataset's own run and its extra runs (only observables every run estimated).</summary>
    public static IReadOnlyDictionary<string, PopulationEstimate> PooledPopulations(DatasetMeta meta, IReadOnlyList<ExtraRun> extraRuns)
    {
        int ownFrames = meta.Frames.Values.Sum();
        var pooled = new Dictionary<string, PopulationEstimate>();
        foreach (var (name, own) in meta.PhiPositivePopulation)
        {
            var parts = new List<(int, PopulationEstimate)> { (ownFrames, own) };
            foreach (var run in extraRuns)
                if (run.PhiPositivePopulation.TryGetValue(name, out var p)) parts.Add((run.Frames, p));
            if (parts.Count == extraRuns.Count + 1) pooled[name] = PopulationEstimate.Pool(parts);
        }
        return pooled;
    }

    /// <summary>
    /// The between-seed standard error of each pooled φ &gt; 0 population: the spread of the runs' own means
    /// (unweighted), s/√k with k runs. With few runs the block error alone can be too optimistic when a basin is
    /// crossed only a handful of times per run; issue bars take the larger of the two (<see cref="ReportedRelativeError"/>).
    /// Empty unless at least two runs estimated the observable. Derived from meta.json alone, so it is not stored.
    /// </summary>
    public static IReadOnlyDictionary<string, double> BetweenSeedStandardErrors(DatasetMeta meta)
    {
        var errors = new Dictionary<string, double>();
        foreach (var (name, own) in meta.PhiPositivePopulation)
        {
            var means = new List<double> { own.Mean };
            foreach (var run in meta.ExtraRuns ?? [])
                if (run.PhiPositivePopulation.TryGetValue(name, out var p)) means.Add(p.Mean);
            if (means.Count < 2 || means.Count != (meta.ExtraRuns?.Count ?? 0) + 1) continue;
            double mean = means.Average();
            double variance = means.Sum(m => (m - mean) * (m - mean)) / (means.Count - 1);
            errors[name] = Math.Sqrt(variance / means.Count);
        }
        return errors;
    }

    /// <summary>The pooled relative error a reference is judged by: the larger of the block and the between-seed standard error, over the mean.</summary>
    public static double? ReportedRelativeError(PopulationEstimate pooled, double? betweenSeedStandardError) =>
        pooled.Mean > 0 ? Math.Max(pooled.StandardError, betweenSeedStandardError ?? 0) / pooled.Mean : null;

    private static ExtraRun Describe(ReferenceDataset run) => new()
    {
        Seed = run.Meta.Seed,
        Command = run.Meta.Command,
        LengthNsPerReplica = run.Meta.LengthNsPerReplica,
        Replicas = run.Meta.Replicas,
        Frames = run.Meta.Frames.Values.Sum(),
        WallSeconds = run.Meta.WallSeconds,
        CreatedUtc = run.Meta.CreatedUtc,
        SwapAcceptance = run.Meta.SwapAcceptance,
        PhiPositivePopulation = run.Meta.PhiPositivePopulation,
    };
}
