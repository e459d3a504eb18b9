using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using BoltzmannGen.Data;
using BoltzmannGen.Reporting.Metrics;

namespace BoltzmannGen.Reporting;

/// <summary>Population of one basin (e.g. "φ<0", "φ>0") of one residue: reweighted flow and MD, with optional CIs [low, high].</summary>
public sealed record BasinPopulation
{
    [JsonPropertyName("residue")] public required string Residue { get; init; }
    [JsonPropertyName("basin")] public required string Basin { get; init; }
    [JsonPropertyName("flow")] public double? Flow { get; init; }
    [JsonPropertyName("flow_ci")] public double[]? FlowCi { get; init; }
    [JsonPropertyName("md")] public double? Md { get; init; }
    [JsonPropertyName("md_ci")] public double[]? MdCi { get; init; }
}

/// <summary>Weight clipping applied before the estimates: the fraction of samples clipped and what that does to the bias.</summary>
public sealed record ClippingInfo
{
    [JsonPropertyName("clip_fraction")] public required double ClipFraction { get; init; }
    [JsonPropertyName("bias")] public required string Bias { get; init; }
}

/// <summary>Samples that got weight 0 (they still count in n_samples) and mirror images that were reflected.</summary>
public sealed record SampleCounts
{
    [JsonPropertyName("invalid")] public int Invalid { get; init; }
    [JsonPropertyName("non_finite_energy")] public int NonFiniteEnergy { get; init; }
    [JsonPropertyName("reflected")] public int Reflected { get; init; }
    /// <summary>Median |bond length − MD mean length| over samples and bonds (nm), and the same for the MD test frames (thermal).</summary>
    [JsonPropertyName("bond_error_median_nm")] public double? BondErrorMedian { get; init; }
    [JsonPropertyName("md_bond_error_median_nm")] public double? MdBondErrorMedian { get; init; }
}

/// <summary>Throughput: generated samples per second, effective samples per second, and MD's effective samples per second.</summary>
public sealed record Efficiency
{
    [JsonPropertyName("samples_per_s")] public double? SamplesPerSecond { get; init; }
    [JsonPropertyName("effective_samples_per_s")] public double? EffectiveSamplesPerSecond { get; init; }
    [JsonPropertyName("md_effective_samples_per_s")] public double? MdEffectiveSamplesPerSecond { get; init; }
    /// <summary>Effective samples per second when the model's training (and fine-tuning) time is charged too.</summary>
    [JsonPropertyName("effective_samples_per_s_with_training")] public double? EffectiveSamplesPerSecondWithTraining { get; init; }
}

/// <summary>Energy evaluations behind a run: spent in training (fine-tuning's batches and validations) and in scoring the samples.</summary>
public sealed record EnergyEvaluations
{
    [JsonPropertyName("training")] public long? Training { get; init; }
    [JsonPropertyName("sampling")] public long? Sampling { get; init; }
}

/// <summary>
/// Everything a run's report states (docs/design.md §5.6, §7). Serialised as report.json with snake_case keys; every key is
/// always written. Conventions of the JSON file:
/// <list type="bullet">
/// <item>null = not computed / not applicable;</item>
/// <item>non-finite numbers are strings: "inf", "-inf", "nan" (Python's float() reads all three); a reader also
/// accepts "Infinity", "-Infinity", "NaN";</item>
/// <item>confidence intervals are two-element arrays [low, high];</item>
/// <item>delta_f, delta_f_ci, delta_f_md, delta_f_md_ci have one entry per residue with a φ, in the order of
/// residues.</item>
/// </list>
/// Units: e_w* in k_BT, t_w2 in radians, nll in nats (over 3N−3 degrees of freedom), delta_f in k_BT, timings in s.
/// </summary>
public sealed record RunReport
{
    /// <summary>2: the plots' keys are "file"/"caption" (1 wrote "File"/"Caption"); version 1 files still read.</summary>
    public const int CurrentSchemaVersion = 2;

    [JsonPropertyName("schema_version")] public int SchemaVersion { get; init; } = CurrentSchemaVersion;
    [JsonPropertyName("system")] public required string System { get; init; }
    [JsonPropertyName("label")] public required string Label { get; init; }
    [JsonPropertyName("n_samples")] public int NSamples { get; init; }
    [JsonPropertyName("ess")] public double? Ess { get; init; }
    [JsonPropertyName("ess_fraction")] public double? EssFraction { get; init; }
    /// <summary>ESS with the top <see cref="EssClipTop"/> of log-weights capped: the published benchmarks' convention (top 0.2 %).</summary>
    [JsonPropertyName("ess_clipped_fraction")] public double? EssClippedFraction { get; init; }
    [JsonPropertyName("ess_clip_top")] public double? EssClipTop { get; init; }
    [JsonPropertyName("e_w1")] public double? EW1 { get; init; }
    [JsonPropertyName("e_w2")] public double? EW2 { get; init; }
    [JsonPropertyName("e_w1_unweighted")] public double? EW1Unweighted { get; init; }
    [JsonPropertyName("e_w2_unweighted")] public double? EW2Unweighted { get; init; }
    [JsonPropertyName("t_w2")] public double? TW2 { get; init; }
    [JsonPropertyName("t_w2_unweighted")] public double? TW2Unweighted { get; init; }
    [JsonPropertyName("nll")] public double? Nll { get; init; }
    [JsonPropertyName("nll_per_dof")] public double? NllPerDof { get; init; }
    /// <summary>Confidence level of every CI in the report (e.g. 0.95), or null if unknown.</summary>
    [JsonPropertyName("ci_level")] public double? CiLevel { get; init; }
    /// <summary>Residue names ("ALA 2"), one per entry of the delta_f lists.</summary>
    [JsonPropertyName("residues")] public IReadOnlyList<string> Residues { get; init; } = [];
    [JsonPropertyName("delta_f")] public IReadOnlyList<double?> DeltaF { get; init; } = [];
    [JsonPropertyName("delta_f_ci")] public IReadOnlyList<double[]?> DeltaFCi { get; init; } = [];
    [JsonPropertyName("delta_f_md")] public IReadOnlyList<double?> DeltaFMd { get; init; } = [];
    [JsonPropertyName("delta_f_md_ci")] public IReadOnlyList<double[]?> DeltaFMdCi { get; init; } = [];
    /// <summary>MD frames behind delta_f_md and the MD free-energy plots: the dataset's own plus any pooled independent runs.</summary>
    [JsonPropertyName("md_frames")] public int? MdFrames { get; init; }
    /// <summary>Independent MD runs those frames come from (1 unless runs were pooled with `bgen pool`).</summary>
    [JsonPropertyName("md_runs")] public int? MdRuns { get; init; }
    [JsonPropertyName("basin_populations")] public IReadOnlyList<BasinPopulation> BasinPopulations { get; init; } = [];
    [JsonPropertyName("clipping")] public ClippingInfo? Clipping { get; init; }
    [JsonPropertyName("sample_counts")] public SampleCounts SampleCounts { get; init; } = new();
    /// <summary>Wall-clock seconds per stage (simulate, teacher, targets, train, sample, reweight, report, …).</summary>
    [JsonPropertyName("timings")] public IReadOnlyDictionary<string, double> Timings { get; init; } = new Dictionary<string, double>();
    [JsonPropertyName("efficiency")] public Efficiency Efficiency { get; init; } = new();
    [JsonPropertyName("energy_evaluations")] public EnergyEvaluations EnergyEvaluations { get; init; } = new();
    [JsonPropertyName("notes")] public IReadOnlyList<string> Notes { get; init; } = [];
    [JsonPropertyName("plots")] public IReadOnlyList<PlotFile> Plots { get; init; } = [];
    /// <summary>
    /// Values of registered metrics that have no property of their own (<see cref="Metric.Read"/>'s default), and
    /// any key of a newer report.json that this version does not know; written after the keys above, read back as is.
    /// </summary>
    [JsonExtensionData] public Dictionary<string, JsonElement>? ExtraValues { get; init; }

    /// <summary>The keys docs/design.md §5.6 requires in report.json.</summary>
    public static readonly string[] RequiredKeys =
        ["system", "n_samples", "ess", "ess_fraction", "e_w1", "e_w2", "t_w2", "nll", "delta_f", "delta_f_ci", "delta_f_md", "timings"];

    /// <summary>|ΔF − ΔF_MD| for residue i, or null when either is missing.</summary>
    public double? DeltaFError(int i) =>
        i < DeltaF.Count && i < DeltaFMd.Count && DeltaF[i] is { } f && DeltaFMd[i] is { } m ? Math.Abs(f - m) : null;

    public string ResidueName(int i) => i < Residues.Count ? Residues[i] : $"residue {i + 1}";

    public static JsonSerializerOptions JsonOptions { get; } = CreateOptions();

    private static JsonSerializerOptions CreateOptions()
    {
        var o = new JsonSerializerOptions
        {
            WriteIndented = true,
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
            Encoder = global::System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            // Keys are written snake_case; reading ignores case so that schema-1 reports, whose plots said
            // "File"/"Caption", still load.
            PropertyNameCaseInsensitive = true,
        };
        o.Converters.Add(new NonFiniteAsStringConverter());
        o.MakeReadOnly(populateMissingResolver: true);
        return o;
    }

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static RunReport FromJson(string json) =>
        JsonSerializer.Deserialize<RunReport>(json, JsonOptions) ?? throw new InvalidDataException("report.json is null");

    /// <summary>Writes report.json atomically (UTF-8, indented).</summary>
    public void Write(string path) => AtomicFile.Write(path, s =>
    {
        var bytes = new global::System.Text.UTF8Encoding(false).GetBytes(ToJson() + "\n");
        s.Write(bytes);
    });

    /// <summary>Loads a report.json; a folder path means its report.json.</summary>
    public static RunReport Read(string path)
    {
        if (Directory.Exists(path)) path = Path.Combine(path, "report.json");
        try { return FromJson(File.ReadAllText(path)); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not a valid report.json ({e.Message})", e); }
    }

    /// <summary>The number stored under <paramref name="key"/> in <see cref="ExtraValues"/> (null when absent or null).</summary>
    public double? ExtraValue(string key) =>
        ExtraValues is { } extra && extra.TryGetValue(key, out var e) ? e.Deserialize<double?>(JsonOptions) : null;

    /// <summary>A copy with <paramref name="key"/> set to <paramref name="value"/> in <see cref="ExtraValues"/>.</summary>
    public RunReport WithExtraValue(string key, double? value)
    {
        var extra = ExtraValues is null ? new Dictionary<string, JsonElement>() : new Dictionary<string, JsonElement>(ExtraValues);
        extra[key] = JsonSerializer.SerializeToElement(value, JsonOptions);
        return this with { ExtraValues = extra };
    }

    /// <summary>
    /// One row per metric, as in metrics.csv: the <see cref="MetricGroup.Quality"/> metrics, ΔF and populations per
    /// residue, the clip fraction, the <see cref="MetricGroup.Samples"/> metrics, the stage timings, the
    /// <see cref="MetricGroup.Efficiency"/> metrics.
    /// </summary>
    public IReadOnlyList<MetricRow> Metrics()
    {
        var rows = new List<MetricRow>();
        rows.AddRange(Rows(MetricGroup.Quality));
        rows.AddRange(FreeEnergyDifferences.Rows(this));
        rows.Add(new("clip_fraction", Clipping?.ClipFraction, null, null, "fraction"));
        rows.AddRange(Rows(MetricGroup.Samples));
        foreach (var (stage, seconds) in Timings) rows.Add(new($"time[{stage}]", seconds, null, null, "s"));
        rows.AddRange(Rows(MetricGroup.Efficiency));
        return rows;
    }

    /// <summary>
    /// `bgen run`'s closing summary, in the order of <see cref="Metrics"/>: the rows each registered metric gives
    /// (<see cref="Metric.Summary"/>), with ΔF per residue after the <see cref="MetricGroup.Quality"/> metrics.
    /// </summary>
    public IReadOnlyList<SummaryRow> SummaryRows() =>
    [
        .. MetricRegistry.In(MetricGroup.Quality).SelectMany(m => m.Summary(this)),
        .. FreeEnergyDifferences.Summary(this),
        .. MetricRegistry.In(MetricGroup.Samples).SelectMany(m => m.Summary(this)),
        .. MetricRegistry.In(MetricGroup.Efficiency).SelectMany(m => m.Summary(this)),
    ];

    private IEnumerable<MetricRow> Rows(MetricGroup group) =>
        MetricRegistry.In(group).Select(m => new MetricRow(m.CsvName, m.Read(this), null, null, m.Unit));
}

/// <summary>One row of metrics.csv. Null means not computed (an empty field).</summary>
public sealed record MetricRow(string Metric, double? Value, double? CiLow, double? CiHigh, string Unit);

/// <summary>
/// Writes doubles as JSON numbers, and ±∞ / NaN as the strings "inf", "-inf", "nan" so the file stays valid JSON
/// and Python's float() reads them back; reads numbers and those strings (also "Infinity", "-Infinity", "NaN").
/// </summary>
public sealed class NonFiniteAsStringConverter : JsonConverter<double>
{
    public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Number) return reader.GetDouble();
        if (reader.TokenType == JsonTokenType.String)
        {
            string s = reader.GetString()!.Trim();
            switch (s.ToLowerInvariant())
            {
                case "inf" or "+inf" or "infinity" or "+infinity": return double.PositiveInfinity;
                case "-inf" or "-infinity": return double.NegativeInfinity;
                case "nan": return double.NaN;
            }
            if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)) return v;
        }
        throw new JsonException($"expected a number or \"inf\"/\"-inf\"/\"nan\", got {reader.TokenType}");
    }

    public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
    {
        if (double.IsFinite(value)) writer.WriteNumberValue(value);
        else writer.WriteStringValue(double.IsNaN(value) ? "nan" : value > 0 ? "inf" : "-inf");
    }
}
