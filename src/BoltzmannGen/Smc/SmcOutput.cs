using BoltzmannGen.Data;
using BoltzmannGen.Sampling;
using BoltzmannGen.Systems;

namespace BoltzmannGen.Smc;

/// <summary>
/// The arrays of an SMC run's samples.npz (docs/design.md §5.5, §6.11): the layout of `bgen sample` + `bgen reweight`
/// (so `bgen report` reads it unchanged) with log_w the SMC weights, and the run's schedule and statistics.
/// </summary>
public sealed record SmcOutput(IReadOnlyList<(string Name, NpyArray Array)> Arrays, int Invalid, int Reflected, double EvaluationsPerParticle)
{
    /// <param name="seconds">wall time of the whole run (flow, energies and moves), the report's sampling time</param>
    public static SmcOutput From(SmcResult result, PeptideSystem system, double seconds)
    {
        var particles = result.Particles;
        int n = particles.Count, atoms = system.AtomCount, per = 3 * atoms;
        if (particles.PositionLength != per) throw new ArgumentException($"particles of {particles.PositionLength / 3} atoms, not {atoms}.");
        // As `bgen reweight` does: all-D mirror images are written reflected and marked. The SMC target gave them zero
        // weight already (its validity check wants every CA L), so their log_w stays −∞.
        var x = (double[])particles.Positions.Clone();
        var reflected = MirrorImages.ReflectAllD(x, atoms, ChiralityCenters.Of(system.Topology));
        var check = new ValidityCheck(system.Topology, system.ReferencePositions);
        var valid = new bool[n];
        Parallel.For(0, n, i => valid[i] = double.IsFinite(particles.Reduced[i]) && check.IsValid(x.AsSpan(i * per, per)));
        var logW = new double[n];
        for (int i = 0; i < n; i++) logW[i] = valid[i] ? result.LogWeights[i] : double.NegativeInfinity;
        double evaluations = (double)result.Evaluations / n;
        var steps = result.Steps;
        var arrays = new List<(string, NpyArray)>
        {
            (SampleFile.Positions, new NpyArray(Array.ConvertAll(x, v => (float)v), n, atoms, 3)),
            (SampleFile.LogQ, new NpyArray(particles.LogQ, n)),
            (SampleFile.Energy, new NpyArray(Array.ConvertAll(particles.Reduced, u => u * system.KT), n)),
            (SampleFile.LogW, new NpyArray(logW, n)),
            (SampleFile.Valid, new NpyArray(valid, n)),
            (SampleFile.Reflected, new NpyArray(reflected, n)),
            (SampleFile.SamplingSeconds, new NpyArray([seconds], 1)),
            (SampleFile.Estimator, new NpyArray([SampleFile.EstimatorSmc], 1)),
            (SampleFile.SmcBetas, new NpyArray(result.Betas, steps.Count + 1)),
            (SampleFile.SmcAcceptance, new NpyArray(steps.Select(s => s.Acceptance).ToArray(), steps.Count)),
            (SampleFile.SmcEss, new NpyArray(steps.Select(s => s.EssBeforeResampling).ToArray(), steps.Count)),
            (SampleFile.SmcStepSize, new NpyArray(steps.Select(s => s.StepSize).ToArray(), steps.Count)),
            (SampleFile.SmcResampled, ResampledSteps(steps)),
            (SampleFile.SmcLogZ, new NpyArray([result.LogZ], 1)),
            (SampleFile.SmcEvaluationsPerParticle, new NpyArray([evaluations], 1)),
            (SampleFile.SmcFamily, new NpyArray(particles.Family, n)),
        };
        return new SmcOutput(arrays, valid.Count(v => !v), reflected.Count(r => r), evaluations);
    }

    private static NpyArray ResampledSteps(IReadOnlyList<SmcStep> steps)
    {
        var indices = steps.Where(s => s.Resampled).Select(s => s.Step).ToArray();
        return new NpyArray(indices, indices.Length);
    }
}
