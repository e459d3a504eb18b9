using System.ComponentModel;
using BoltzmannGen.Data;
using BoltzmannGen.Sampling;
using Spectre.Console;
using Spectre.Console.Cli;

namespace BoltzmannGen.Cli.Commands;

/// <summary>
/// `bgen merge --out samples.npz SHARD…`: sample shards (each `bgen sample` with its own seed, `bgen reweight`ed or
/// not) concatenated in the order given into one samples.npz, as if one process had drawn them: positions, log q and,
/// when every shard is reweighted, energy, log_w, valid and reflected; sampling and reweighting seconds are summed
/// (CPU time, so samples/s stays comparable with a single process). log_w are −u − log q of each sample alone, so
/// the ESS of the merged file is that of one process drawing the same samples; weight clipping, which needs every
/// weight, is done here (--clip-top), never per shard. The same shards give the same bytes.
/// </summary>
public sealed class MergeCommand : Command<MergeCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("-o|--out <FILE>")]
        [Description("The merged samples.npz.")]
        public string Out { get; init; } = "";

        [CommandOption("--clip-top <FRACTION>")]
        [Description("Also store log_w_clipped of the merged weights (as `bgen reweight --clip-top`); the shards must be reweighted.")]
        public double? ClipTop { get; init; }

        [CommandArgument(0, "<SHARDS>")]
        [Description("samples.npz shards of one model, in order.")]
        public string[] Shards { get; init; } = [];

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("--out is required.");
            if (ClipTop is < 0 or >= 1) return ValidationResult.Error("--clip-top must be in [0, 1), e.g. 0.002.");
            return ValidationResult.Success();
        }
    }

    /// <summary>Arrays with one entry per sample, concatenated; in the order a single `bgen sample` + `bgen reweight` writes them.</summary>
    private static readonly string[] PerSample = [SampleFile.Positions, SampleFile.LogQ, SampleFile.Energy, SampleFile.LogW, SampleFile.Valid, SampleFile.Reflected];

    private static readonly string[] Summed = [SampleFile.SamplingSeconds, SampleFile.ReweightSeconds];

    private static readonly string[] Reweighted = [SampleFile.Energy, SampleFile.LogW, SampleFile.Valid, SampleFile.Reflected];

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        OutputPath.CheckWritable(settings.Out, "--out");
        if (settings.Shards.Select(Path.GetFullPath).Contains(Path.GetFullPath(settings.Out)))
            throw new InputException($"--out {settings.Out} is one of the shards; merge into another file.");
        var shards = settings.Shards.Select(path => SampleFile.Read(path)).ToList();
        var first = shards[0];
        foreach (var shard in shards)
        {
            if (shard.Atoms != first.Atoms)
                throw new InputException($"{shard.Path}: samples of {shard.Atoms} atoms, but {first.Path} has {first.Atoms} — shards of another system?");
            if (shard.IsSmc)
                throw new InputException($"{shard.Path}: `bgen smc` particles; their weights are relative to their own run and cannot be merged with others.");
            if (shard.IsReweighted != first.IsReweighted)
                throw new InputException($"{(shard.IsReweighted ? first : shard).Path} is not reweighted but {(shard.IsReweighted ? shard : first).Path} is; " +
                                         "reweight every shard (or none) before merging.");
            if (shard.Arrays.Keys.FirstOrDefault(name => !PerSample.Contains(name) && !Summed.Contains(name)) is { } other)
                throw new InputException($"{shard.Path}: array '{other}' cannot be merged shard by shard" +
                                         (other is SampleFile.LogWClipped or SampleFile.Resampled ? " (it needs every weight: clip with `bgen merge --clip-top`)." : "."));
        }
        foreach (var name in PerSample.Where(first.Has))
            if (shards.FirstOrDefault(s => !s.Has(name)) is { } missing)
                throw new InputException($"{missing.Path} has no '{name}' array, but {first.Path} has; shards must come from the same commands.");
        if (settings.ClipTop is not null && !first.IsReweighted)
            throw new InputException("--clip-top: the shards are not reweighted; there are no weights to clip.");

        using var writer = OutputPath.Lock(settings.Out, context);
        int count = shards.Sum(s => s.Count);
        var arrays = new List<KeyValuePair<string, NpyArray>>();
        foreach (var name in PerSample.Where(first.Has))
            arrays.Add(KeyValuePair.Create(name, Concatenate(name, shards, count)));
        foreach (var name in Summed.Where(name => shards.All(s => s.Has(name))))
            arrays.Add(KeyValuePair.Create(name, new NpyArray([shards.Sum(s => s.Arrays[name].ToDoubles()[0])], 1)));
        ImportanceWeights? weights = first.IsReweighted ? new ImportanceWeights(arrays.Single(a => a.Key == SampleFile.LogW).Value.AsFloat64()) : null;
        if (settings.ClipTop is { } fraction and > 0)
            arrays.Add(KeyValuePair.Create(SampleFile.LogWClipped, new NpyArray(weights!.ClipTop(fraction).LogWeights, count)));
        Npz.Write(settings.Out, arrays);
        AnsiConsole.MarkupLine($"{shards.Count} shards, {count:N0} samples" +
                               (weights is null ? "" : $", ESS {weights.EffectiveSampleSize:F1} ({weights.EffectiveSampleFraction:P3})") +
                               $" → {Markup.Escape(settings.Out)}");
        return 0;
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
