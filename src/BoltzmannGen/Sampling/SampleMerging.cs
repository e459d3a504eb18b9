using BoltzmannGen.Data;

namespace BoltzmannGen.Sampling;

/// <summary>What `bgen merge` concatenates and where it writes.</summary>
/// <param name="Shards">samples.npz shards of one model, in order</param>
/// <param name="Out">the merged samples.npz (not one of the shards)</param>
/// <param name="Writer">who holds OUT's writer lock (docs/design.md §5.8): the command line</param>
/// <param name="ClipTop">also store log_w_clipped of the merged weights; the shards must be reweighted</param>
public sealed record SampleMergeRequest(IReadOnlyList<string> Shards, string Out, string Writer, double? ClipTop = null);

/// <summary>What was written: how many shards and samples, and the merged importance weights when the shards were reweighted.</summary>
public sealed record SampleMergeResult(int Shards, int Count, ImportanceWeights? Weights);

/// <summary>
/// Sample shards (each `bgen sample` with its own seed, `bgen reweight`ed or not) concatenated in the order given into
/// one samples.npz, as if one process had drawn them (docs/design.md §5.5): positions, log q and, when every shard is
/// reweighted, energy, log_w, valid and reflected; sampling and reweighting seconds are summed (CPU time, so samples/s
/// stays comparable with a single process). log_w are −u − log q of each sample alone, so the ESS of the merged file
/// is that of one process drawing the same samples; weight clipping, which needs every weight, is done here, never
/// per shard. Independent `bgen smc` runs merge the same way (<see cref="SmcArrays"/>). The same shards give the same
/// bytes. Shards that cannot be merged are refused before anything is written.
/// </summary>
public static class SampleMerging
{
    /// <summary>Arrays with one entry per sample, concatenated; in the order a single `bgen sample` + `bgen reweight` writes them.</summary>
    private static readonly string[] PerSample = [SampleFile.Positions, SampleFile.LogQ, SampleFile.Energy, SampleFile.LogW, SampleFile.Valid, SampleFile.Reflected];

    private static readonly string[] Summed = [SampleFile.SamplingSeconds, SampleFile.ReweightSeconds];

    /// <summary>Arrays that describe the proposal: kept when every shard holds the same values, refused otherwise.</summary>
    private static readonly string[] SameInEveryShard = [SampleFile.DefensiveMixture, SampleFile.MixtureFlows];

    /// <summary>Checks every shard, then writes the merged file under its writer lock.</summary>
    public static SampleMergeResult Run(SampleMergeRequest request)
    {
        if (request.Shards.Select(Path.GetFullPath).Contains(Path.GetFullPath(request.Out)))
            throw new InputException($"--out {request.Out} is one of the shards; merge into another file.");
        var shards = request.Shards.Select(path => SampleFile.Read(path)).ToList();
        var first = shards[0];
        foreach (var shard in shards)
        {
            if (shard.Atoms != first.Atoms)
                throw new InputException($"{shard.Path}: samples of {shard.Atoms} atoms, but {first.Path} has {first.Atoms} — shards of another system?");
            if (shard.IsSmc != first.IsSmc)
                throw new InputException($"{(shard.IsSmc ? shard : first).Path} holds `bgen smc` particles but {(shard.IsSmc ? first : shard).Path} does not; " +
                                         "merge SMC runs only with SMC runs.");
            if (shard.IsReweighted != first.IsReweighted)
                throw new InputException($"{(shard.IsReweighted ? first : shard).Path} is not reweighted but {(shard.IsReweighted ? shard : first).Path} is; " +
                                         "reweight every shard (or none) before merging.");
            if (shard.Arrays.Keys.FirstOrDefault(name => !PerSample.Contains(name) && !Summed.Contains(name) && !SameInEveryShard.Contains(name)
                                                         && !(shard.IsSmc && SmcRun.Contains(name))) is { } other)
                throw new InputException($"{shard.Path}: array '{other}' cannot be merged shard by shard" +
                                         (other is SampleFile.LogWClipped or SampleFile.Resampled ? " (it needs every weight: clip with `bgen merge --clip-top`)." : "."));
        }
        foreach (var name in SameInEveryShard)
            if (shards.FirstOrDefault(s => !(s.Optional(name) ?? []).SequenceEqual(first.Optional(name) ?? [])) is { } odd)
                throw new InputException($"{odd.Path}: drawn from another proposal than {first.Path} ('{name}' differs); merge shards of one proposal.");
        foreach (var name in PerSample.Where(first.Has))
            if (shards.FirstOrDefault(s => !s.Has(name)) is { } missing)
                throw new InputException($"{missing.Path} has no '{name}' array, but {first.Path} has; shards must come from the same commands.");
        if (request.ClipTop is not null && !first.IsReweighted)
            throw new InputException("--clip-top: the shards are not reweighted; there are no weights to clip.");

        using var writer = WriterLock.Acquire(request.Out, request.Writer);
        int count = shards.Sum(s => s.Count);
        var arrays = new List<KeyValuePair<string, NpyArray>>();
        foreach (var name in PerSample.Where(first.Has))
            arrays.Add(KeyValuePair.Create(name, Concatenate(name, shards, count)));
        foreach (var name in Summed.Where(name => shards.All(s => s.Has(name))))
            arrays.Add(KeyValuePair.Create(name, new NpyArray([shards.Sum(s => s.Arrays[name].ToDoubles()[0])], 1)));
        foreach (var name in SameInEveryShard.Where(first.Has))
            arrays.Add(KeyValuePair.Create(name, first.Arrays[name]));
        if (first.IsSmc) arrays.AddRange(SmcArrays(shards));
        ImportanceWeights? weights = first.IsReweighted ? new ImportanceWeights(arrays.Single(a => a.Key == SampleFile.LogW).Value.AsFloat64()) : null;
        if (request.ClipTop is { } fraction and > 0)
            arrays.Add(KeyValuePair.Create(SampleFile.LogWClipped, new NpyArray(weights!.ClipTop(fraction).LogWeights, count)));
        Npz.Write(request.Out, arrays);
        return new SampleMergeResult(shards.Count, count, weights);
    }

    /// <summary>The per-run arrays of `bgen smc` files, combined by <see cref="SmcArrays"/> rather than concatenated.</summary>
    private static readonly string[] SmcRun = [SampleFile.Estimator, SampleFile.SmcBetas, SampleFile.SmcAcceptance, SampleFile.SmcEss,
                                               SampleFile.SmcResampled, SampleFile.SmcStepSize, SampleFile.SmcLogZ, SampleFile.SmcEvaluationsPerParticle,
                                               SampleFile.SmcFamily];

    /// <summary>
    /// Independent SMC runs (docs/design.md §6.11) merged: each run's log_w are normalised so that exp(log_w) averages to
    /// its own unbiased Ẑ of the same Z, so the concatenated weights are those of one population whose Ẑ is the
    /// particle-weighted mean of the runs' (smc_log_z), and self-normalised estimates over them stay consistent. The
    /// β schedule is kept when every run has the same one, the ancestral families are renumbered so that no two runs
    /// share one; the per-step statistics (acceptance, ESS, step sizes,
    /// resampling), which belong to one run each, are not.
    /// </summary>
    private static IEnumerable<KeyValuePair<string, NpyArray>> SmcArrays(IReadOnlyList<SampleFile> shards)
    {
        int count = shards.Sum(s => s.Count);
        yield return KeyValuePair.Create(SampleFile.Estimator, new NpyArray([SampleFile.EstimatorSmc], 1));
        var betas = shards[0].Optional(SampleFile.SmcBetas);
        if (betas is not null && shards.All(s => s.Optional(SampleFile.SmcBetas) is { } b && b.SequenceEqual(betas)))
            yield return KeyValuePair.Create(SampleFile.SmcBetas, new NpyArray(betas, betas.Length));
        var logZ = shards.Select(s => s.Optional(SampleFile.SmcLogZ)?[0] ?? double.NaN).ToArray();
        // log(Σ n_s·Ẑ_s / N), computed from the largest term so that no exp overflows.
        double top = logZ.Max();
        double mean = top + Math.Log(shards.Select((s, k) => s.Count * Math.Exp(logZ[k] - top)).Sum() / count);
        yield return KeyValuePair.Create(SampleFile.SmcLogZ, new NpyArray([mean], 1));
        // Families stay apart: run k's starting particles are numbered after those of the runs before it.
        if (shards.All(s => s.Has(SampleFile.SmcFamily)))
        {
            var families = new int[count];
            int offset = 0;
            foreach (var s in shards)
            {
                var own = s.Optional(SampleFile.SmcFamily)!;
                for (int i = 0; i < s.Count; i++) families[offset + i] = offset + (int)own[i];
                offset += s.Count;
            }
            yield return KeyValuePair.Create(SampleFile.SmcFamily, new NpyArray(families, count));
        }
        if (shards.All(s => s.Has(SampleFile.SmcEvaluationsPerParticle)))
            yield return KeyValuePair.Create(SampleFile.SmcEvaluationsPerParticle,
                new NpyArray([shards.Sum(s => s.Count * s.Optional(SampleFile.SmcEvaluationsPerParticle)![0]) / count], 1));
    }

    private static NpyArray Concatenate(string name, IReadOnlyList<SampleFile> shards, int count)
    {
        var arrays = shards.Select(s => s.Arrays[name]).ToList();
        var dtype = arrays[0].DType;
        if (arrays.FirstOrDefault(a => a.DType != dtype) is { } odd)
            throw new InputException($"'{name}' is {odd.Descr} in one shard and {arrays[0].Descr} in another.");
        int[] shape = [count, .. arrays[0].Shape[1..]];
        return dtype switch
        {
            NpyDType.Float32 => new NpyArray(arrays.SelectMany(a => a.AsFloat32()).ToArray(), shape),
            NpyDType.Float64 => new NpyArray(arrays.SelectMany(a => a.AsFloat64()).ToArray(), shape),
            NpyDType.Bool => new NpyArray(arrays.SelectMany(a => a.AsBool()).ToArray(), shape),
            _ => throw new InputException($"'{name}' has dtype {arrays[0].Descr}, which bgen merge does not combine."),
        };
    }
}
