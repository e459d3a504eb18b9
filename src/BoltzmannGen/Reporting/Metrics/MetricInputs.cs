using BoltzmannGen.Analysis;
using BoltzmannGen.Data;
using BoltzmannGen.Datasets;
using BoltzmannGen.Sampling;
using BoltzmannGen.Systems;

namespace BoltzmannGen.Reporting.Metrics;

/// <summary>
/// What a report is computed from, read once and shared by every metric and by the plots: the reweighted samples
/// (weights after <c>--clip-top</c>, reduced energies, masks, dihedrals), the MD test split, the model's log q of
/// the test frames, the options and the sampling times. Costly shared pieces (torus point sets, mean bond lengths)
/// are computed on first use.
/// </summary>
public sealed class MetricInputs
{
    private readonly Lazy<double[][]> _sampleTorusPoints, _testTorusPoints;
    private readonly Lazy<double[]> _bondReference;
    private readonly Lazy<Frames> _trainFrames;
    private readonly Lazy<Frames> _pooledMdFrames;
    private readonly Lazy<double[][]> _pooledMdDihedrals;

    /// <param name="samples">a reweighted samples.npz (energy and log_w present)</param>
    /// <param name="testLogQ">log q of the MD test frames under the model, or null when no model is known</param>
    /// <param name="notes">the report's notes; metrics may add to them</param>
    public MetricInputs(PeptideSystem system, ReferenceDataset reference, ReportOptions options, SampleFile samples,
        double[]? testLogQ, List<string> notes)
    {
        System = system;
        Reference = reference;
        Options = options;
        Samples = samples;
        TestLogQ = testLogQ;
        Notes = notes;
        double kT = system.KT;
        RawWeights = new ImportanceWeights(samples.Optional(SampleFile.LogW)!);
        Weights = options.ClipTop > 0 ? RawWeights.ClipTop(options.ClipTop) : RawWeights;
        NormalizedWeights = double.IsNegativeInfinity(Weights.LogSum) ? null : Weights.Normalized();
        ReducedEnergies = Array.ConvertAll(samples.Optional(SampleFile.Energy)!, e => e / kT);
        FiniteEnergy = Array.ConvertAll(ReducedEnergies, v => double.IsFinite(v) ? 1.0 : 0.0);
        AnyFiniteEnergy = FiniteEnergy.Any(f => f > 0);
        Valid = samples.OptionalMask(SampleFile.Valid)!;
        Reflected = samples.OptionalMask(SampleFile.Reflected);
        TestFrames = reference.Split("test");
        TestReducedEnergies = Array.ConvertAll(reference.SplitEnergies("test"), e => e / kT);
        Dihedrals = BackboneDihedrals.Of(system.Topology);
        SampleFrames = new Frames(samples.Count, samples.Atoms, samples.PositionsNm());
        SampleDihedrals = Analysis.Dihedrals.Series(SampleFrames, Dihedrals);
        TestDihedrals = Analysis.Dihedrals.Series(TestFrames, Dihedrals);
        SamplingSeconds = samples.Optional(SampleFile.SamplingSeconds)?[0];
        ReweightSeconds = samples.Optional(SampleFile.ReweightSeconds)?[0];
        SmcEvaluationsPerParticle = samples.IsSmc ? samples.Optional(SampleFile.SmcEvaluationsPerParticle)?[0] : null;
        Families = samples.IsSmc ? samples.Optional(SampleFile.SmcFamily)?.Select(v => (int)v).ToArray() : null;
        _sampleTorusPoints = new(() => TorusWasserstein.SamplesFromSeries(SampleDihedrals));
        _testTorusPoints = new(() => TorusWasserstein.SamplesFromSeries(TestDihedrals));
        _trainFrames = new(() => reference.Split("train"));
        _bondReference = new(() => BondLengthErrors.MeanLengths(system.Topology, TrainFrames));
        _pooledMdFrames = new(reference.Pooled);
        _pooledMdDihedrals = new(() => Analysis.Dihedrals.Series(PooledMdFrames, Dihedrals));
        FlowBootstrap = new BootstrapOptions(options.Bootstrap, options.Confidence, (ulong)options.Seed);
        MdBootstrap = RunReportBuilder.MdBootstrap(reference.Meta, options);
    }

    public PeptideSystem System { get; }
    public ReferenceDataset Reference { get; }
    public ReportOptions Options { get; }
    public SampleFile Samples { get; }

    /// <summary>n: every sample, zero-weight ones included.</summary>
    public int Count => Samples.Count;

    /// <summary>log_w as written by reweight (or smc).</summary>
    public ImportanceWeights RawWeights { get; }

    /// <summary>The weights every reweighted figure uses: <see cref="RawWeights"/> after <see cref="ReportOptions.ClipTop"/>.</summary>
    public ImportanceWeights Weights { get; }

    /// <summary><see cref="Weights"/> normalised to sum 1, or null when every weight is zero.</summary>
    public double[]? NormalizedWeights { get; }

    /// <summary>u = E/k_BT of the samples (non-finite for clashes).</summary>
    public double[] ReducedEnergies { get; }

    /// <summary>1 where <see cref="ReducedEnergies"/> is finite, else 0: the "unweighted" weights.</summary>
    public double[] FiniteEnergy { get; }

    public bool AnyFiniteEnergy { get; }
    public bool[] Valid { get; }

    /// <summary>Mirror images reflected by reweight, or null when the file does not say.</summary>
    public bool[]? Reflected { get; }

    public Frames TestFrames { get; }

    /// <summary>u = E/k_BT of the MD test split.</summary>
    public double[] TestReducedEnergies { get; }

    /// <summary>The backbone φ/ψ definitions, and their series over the samples and over the MD test split (radians).</summary>
    public IReadOnlyList<DihedralDefinition> Dihedrals { get; }
    public Frames SampleFrames { get; }
    public double[][] SampleDihedrals { get; }
    public double[][] TestDihedrals { get; }

    /// <summary>The dihedral series as points on the torus, for T-W2.</summary>
    public double[][] SampleTorusPoints => _sampleTorusPoints.Value;
    public double[][] TestTorusPoints => _testTorusPoints.Value;
    public TorusWassersteinOptions TorusOptions => new(MaxPoints: Options.TorusPoints, Seed: (ulong)Options.Seed);

    /// <summary>The MD training split, read once: the bond reference and MD's own T-W2 both use it.</summary>
    public Frames TrainFrames => _trainFrames.Value;

    /// <summary>Mean bond lengths over the MD training split (nm), the reference of the bond errors.</summary>
    public double[] BondReference => _bondReference.Value;

    /// <summary>Every MD frame, the pooled runs included (`bgen pool`), and their φ/ψ series: behind ΔF and the free-energy plots.</summary>
    public Frames PooledMdFrames => _pooledMdFrames.Value;
    public double[][] PooledMdDihedrals => _pooledMdDihedrals.Value;

    /// <summary>Independent MD runs behind <see cref="PooledMdFrames"/>.</summary>
    public int MdRuns => 1 + (Reference.Meta.ExtraRuns?.Count ?? 0);

    /// <summary>Bootstrap of reweighted flow estimates (ordinary) and of MD estimates (moving blocks over correlated frames).</summary>
    public BootstrapOptions FlowBootstrap { get; }

    /// <summary>SMC particles' ancestral families (smc_family), which the flow's ΔF bootstrap draws whole; null for IS samples and older SMC files.</summary>
    public int[]? Families { get; }
    public BootstrapOptions MdBootstrap { get; }

    public double[]? TestLogQ { get; }

    /// <summary>3N − 3: the centre-of-mass-free degrees of freedom.</summary>
    public int DegreesOfFreedom => 3 * System.AtomCount - 3;

    public double? SamplingSeconds { get; }
    public double? ReweightSeconds { get; }

    /// <summary>Energy evaluations per particle of an SMC run (bgen smc), or null for importance sampling.</summary>
    public double? SmcEvaluationsPerParticle { get; }

    /// <summary>The report's notes, in order.</summary>
    public List<string> Notes { get; }
}
