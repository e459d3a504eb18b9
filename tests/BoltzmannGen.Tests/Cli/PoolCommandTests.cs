using BoltzmannGen.Analysis;
using BoltzmannGen.Cli.Pipeline;
using BoltzmannGen.Cli;
using BoltzmannGen.Data;
using BoltzmannGen.Datasets;
using BoltzmannGen.Reporting;
using BoltzmannGen.Sampling;
using BoltzmannGen.Systems;
using BoltzmannGen.Tests.Support;

namespace BoltzmannGen.Tests.Cli;

/// <summary>Two tiny replica-exchange runs of one protocol with seeds 1 and 2, made by `bgen simulate`.</summary>
public sealed class TwoSeedRuns : IDisposable
{
    public TwoSeedRuns()
    {
        Folder = new TempDir();
        First = Simulate("seed1", 1);
        Second = Simulate("seed2", 2);
    }

    internal TempDir Folder { get; }
    public string First { get; }
    public string Second { get; }

    private string Simulate(string name, int seed)
    {
        string path = Path.Combine(Folder.Path, name);
        var errors = new StringWriter();
        int code = InProcessBgen.Run(["simulate", "--system", "aldp", "--ns", "0.02", "--equilibrate-ps", "2", "--temperatures", "300,360",
            "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture), "--out", path, "--forcefields", EnergyFixtures.Catalog.ForceFieldsDirectory], errors);
        if (code != 0) throw new InvalidOperationException($"simulate seed {seed}: {errors}");
        return path;
    }

    public void Dispose() => Folder.Dispose();
}

public class PoolCommandTests(TwoSeedRuns runs) : IClassFixture<TwoSeedRuns>
{
    /// <summary>A private copy of a run, since pooling replaces the receiving folder.</summary>
    private static string Copy(string from, TempDir dir, string name)
    {
        string to = dir.File(name);
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
        return to;
    }

    private static (int Code, string Error) Pool(params string[] args)
    {
        var errors = new StringWriter();
        return (InProcessBgen.Run(["pool", .. args], errors), errors.ToString());
    }

    [Fact]
    public void Pooled_frames_are_the_datasets_own_then_the_runs_and_training_files_are_untouched()
    {
        using var dir = new TempDir();
        string into = Copy(runs.First, dir, "aldp");
        string trainSum = ReferenceDataset.Sha256(Path.Combine(into, "train.npy"));
        var (code, error) = Pool("--into", into, runs.Second);
        Assert.True(code == 0, error);

        var pooled = ReferenceDataset.Load(into); // verifies every checksum, extra.npy's included
        var own = ReferenceDataset.Load(runs.First).All();
        var other = ReferenceDataset.Load(runs.Second).All();
        var all = pooled.Pooled();
        Assert.Equal(own.Count + other.Count, all.Count);
        Assert.Equal(own.Count, pooled.All().Count);
        Assert.Equal([.. own.Positions, .. other.Positions], all.Positions); // float32 on disk both times: exact
        Assert.Equal(trainSum, ReferenceDataset.Sha256(Path.Combine(into, "train.npy")));
        Assert.Equal(trainSum, pooled.Meta.Sha256["train.npy"]);
        var run = Assert.Single(pooled.Meta.ExtraRuns!);
        Assert.Equal(2, run.Seed);
        Assert.Equal(other.Count, run.Frames);
        var energies = ReferenceDataset.SplitNames.SelectMany(ReferenceDataset.Load(runs.Second).SplitEnergies).ToArray();
        Assert.Equal(energies, pooled.SplitEnergies(ReferenceDataset.ExtraSplit));
        Assert.False(Directory.Exists(into + ".new"));
        Assert.False(Directory.Exists(into + ".old"));
    }

    [Fact]
    public void Fine_tuning_on_pooled_runs_fits_the_training_split_then_every_pooled_frame_and_needs_pooled_runs()
    {
        using var dir = new TempDir();
        string into = Copy(runs.First, dir, "aldp");
        var unpooled = Assert.Throws<InputException>(() => ReferenceDataset.Load(into).TrainingAndPooledRuns());
        Assert.Contains(into, unpooled.Message);
        Assert.Contains("no pooled runs", unpooled.Message);

        var (code, error) = Pool("--into", into, runs.Second);
        Assert.True(code == 0, error);
        var train = ReferenceDataset.Load(runs.First).Split("train");
        var other = ReferenceDataset.Load(runs.Second).All();
        var fitted = ReferenceDataset.Load(into).TrainingAndPooledRuns();
        Assert.Equal(train.Count + other.Count, fitted.Count);
        Assert.Equal([.. train.Positions, .. other.Positions], fitted.Positions); // no val or test frame of the dataset's own run
    }

    [Fact]
    public void A_seed_already_in_the_pool_and_the_dataset_itself_are_refused_by_name()
    {
        using var dir = new TempDir();
        string into = Copy(runs.First, dir, "aldp");
        string sameSeed = Copy(runs.First, dir, "copy-of-seed1");
        var (code, error) = Pool("--into", into, sameSeed);
        Assert.Equal(2, code);
        Assert.Contains("seed 1", error);
        Assert.Contains("independent", error);
        Assert.Contains("dataset itself", Pool("--into", into, into).Error);

        Assert.Equal(0, Pool("--into", into, runs.Second).Code);
        var again = Pool("--into", into, runs.Second);
        Assert.Equal(2, again.Code);
        Assert.Contains("seed 2", again.Error);
        Assert.Contains("pooled earlier", again.Error);
        Assert.Single(ReferenceDataset.Load(into).Meta.ExtraRuns!);
    }

    [Fact]
    public void A_run_of_another_protocol_is_refused_naming_the_setting_and_nothing_is_written()
    {
        using var dir = new TempDir();
        string into = Copy(runs.First, dir, "aldp");
        string other = Copy(runs.Second, dir, "hotter");
        // meta.json is not among its own checksums, so the edited run still loads and only the protocol check can refuse it.
        string metaPath = Path.Combine(other, "meta.json");
        File.WriteAllText(metaPath, File.ReadAllText(metaPath).Replace("\"temperature_k\": 300", "\"temperature_k\": 310"));
        string before = File.ReadAllText(Path.Combine(into, "meta.json"));
        var (code, error) = Pool("--into", into, other);
        Assert.Equal(2, code);
        Assert.Contains("temperature_k is 310", error);
        Assert.Contains("hotter", error);
        Assert.Equal(before, File.ReadAllText(Path.Combine(into, "meta.json")));
        Assert.False(File.Exists(Path.Combine(into, "extra.npy")));
    }

    [Fact]
    public void Pooling_reruns_the_report_stage_but_no_training_stage()
    {
        using var dir = new TempDir();
        string into = Copy(runs.First, dir, "aldp");
        string smoke = Path.Combine(EnergyFixtures.Catalog.ForceFieldsDirectory, "..", "configs", "presets", "smoke.yaml");
        Dictionary<string, string> Hashes() => PipelinePlan.Build(RunConfig.Load(smoke, []), "/tmp/run", into, null).ToDictionary(s => s.Name, s => s.Hash);
        var before = Hashes();
        Assert.Equal(0, Pool("--into", into, runs.Second).Code);
        var after = Hashes();
        foreach (var stage in new[] { "teacher", "targets", "flow", "sample", "reweight" }) Assert.Equal(before[stage], after[stage]);
        Assert.NotEqual(before["report"], after["report"]);
    }

    [Theory]
    [InlineData("teacher", false)]
    [InlineData("teacher", true)]
    [InlineData("finetune", false)]
    [InlineData("finetune", true)]
    public void Pooling_reruns_a_training_stage_only_when_it_learns_from_the_pooled_runs(string stage, bool pooledRuns)
    {
        using var dir = new TempDir();
        string into = Copy(runs.First, dir, "aldp");
        string smoke = Path.Combine(EnergyFixtures.Catalog.ForceFieldsDirectory, "..", "configs", "presets", "smoke.yaml");
        string key = $"{stage}.md_pooled_runs={(pooledRuns ? "true" : "false")}";
        string[] overrides = stage == "finetune" ? ["finetune.enabled=true", "finetune.md_ml=1", key] : [key];
        Dictionary<string, string> Hashes() => PipelinePlan.Build(RunConfig.Load(smoke, overrides), "/tmp/run", into, null).ToDictionary(s => s.Name, s => s.Hash);
        var before = Hashes();
        Assert.Equal(0, Pool("--into", into, runs.Second).Code);
        var after = Hashes();
        Assert.Equal(!pooledRuns, before[stage] == after[stage]);
        if (stage == "finetune") Assert.Equal(before["flow"], after["flow"]);
    }

    [Fact]
    public void A_teacher_with_md_pooled_runs_learns_from_the_training_split_and_the_pooled_frames()
    {
        using var dir = new TempDir();
        string into = Copy(runs.First, dir, "aldp");
        int train = ReferenceDataset.Load(runs.First).Meta.Frames["train"];
        int extra = ReferenceDataset.Load(runs.Second).All().Count;
        Assert.True(extra > 0, "the second run has frames to pool");
        string[] Teacher(string name, params string[] keys) =>
            ["teacher", "train", "--system", "aldp", "--data", into, "--out", dir.File(name), "--device", "cpu",
             "net=mlp", "coordinates=cartesian", "coupling=independent", "hidden=8", "layers=1", "steps=1", "val_every=1", "checkpoint_every=1", .. keys];
        // A batch one larger than the training split: only the pooled frames make it fit.
        string batch = $"batch_size={train + 1}";
        var errors = new StringWriter();
        Assert.Equal(2, InProcessBgen.Run(Teacher("without-data", batch, "md_pooled_runs=true"), errors));
        Assert.Contains("md_pooled_runs=true, but the dataset has no pooled runs", errors.ToString());
        Assert.False(Directory.Exists(dir.File("without-data")));
        Assert.Equal(0, Pool("--into", into, runs.Second).Code);
        errors = new StringWriter();
        Assert.Equal(2, InProcessBgen.Run(Teacher("own", batch), errors));
        Assert.StartsWith($"error: batch_size {train + 1} is more than the {train} training frames in {into}", errors.ToString().Trim());
        errors = new StringWriter();
        Assert.Equal(0, InProcessBgen.Run(Teacher("pooled", batch, "md_pooled_runs=true"), errors));
        errors = new StringWriter();
        Assert.Equal(2, InProcessBgen.Run(Teacher("too-big", $"batch_size={train + extra + 1}", "md_pooled_runs=true"), errors));
        Assert.StartsWith($"error: batch_size {train + extra + 1} is more than the {train + extra} training frames and pooled runs' frames in {into}", errors.ToString().Trim());
    }

    [Fact]
    public void The_report_estimates_md_free_energies_from_every_pooled_frame()
    {
        using var dir = new TempDir();
        string into = Copy(runs.First, dir, "aldp");
        var system = EnergyFixtures.System("aldp");
        // Seed 2's frames reflected through the origin: the mirror image flips every dihedral (energies unchanged), so
        // nearly all its frames sit at φ > 0 and the pooled population is far from either run's own.
        var second = ReferenceDataset.Load(runs.Second);
        var mirrored = Array.ConvertAll(second.All().Positions, v => (float)-v);
        var energies = ReferenceDataset.SplitNames.SelectMany(second.SplitEnergies).ToArray();
        ReferenceDataset.Write(dir.File("mirrored"), system, mirrored, energies, sizes => second.Meta with { Frames = sizes });
        Assert.Equal(0, Pool("--into", into, dir.File("mirrored")).Code);
        var reference = ReferenceDataset.Load(into, system);
        // MD test frames as samples with their stored energies and equal weights: a reweighted sample file without OpenMM.
        var test = reference.Split("test");
        int n = test.Count;
        string path = dir.File("samples.npz");
        Npz.Write(path, (SampleFile.Positions, new NpyArray(Array.ConvertAll(test.Positions, v => (float)v), n, 22, 3)),
                        (SampleFile.LogQ, new NpyArray(new double[n], n)), (SampleFile.Energy, new NpyArray(reference.SplitEnergies("test"), n)),
                        (SampleFile.LogW, new NpyArray(new double[n], n)), (SampleFile.Valid, new NpyArray(Enumerable.Repeat(true, n).ToArray(), n)));
        var report = new RunReportBuilder(system, reference, new ReportOptions { Bootstrap = 10, TorusPoints = 50 })
            .Build(SampleFile.Read(path, 22), dir.File("report"));

        var pooled = reference.Pooled();
        Assert.Equal(pooled.Count, report.MdFrames);
        Assert.Equal(2, report.MdRuns);
        Assert.Contains(report.Notes, note => note.Contains("pool 2 independent runs") && note.Contains("seeds 1, 2"));
        // Brute force: the φ>0 fraction of every pooled frame is the MD population the report gives.
        var phi = BackboneDihedrals.Of(system.Topology).Single(d => d.Kind == DihedralKind.Phi);
        var angles = Dihedrals.Series(pooled, [phi])[0];
        double positive = angles.Count(a => a > 0) / (double)angles.Length;
        Assert.InRange(positive, 0.3, 0.7);
        Assert.Equal(positive, report.BasinPopulations.Single().Md!.Value, 12);
    }

    /// <summary>
    /// A private copy of a run whose meta.json is a named pipe: a `bgen pool` reading it waits there, holding the
    /// dataset's writer lock, until the test writes the real meta.json into the pipe (<see cref="Feed"/>).
    /// </summary>
    private static (string Run, string Pipe, string Meta) StalledCopy(string from, TempDir dir, string name)
    {
        string to = Copy(from, dir, name);
        string pipe = Path.Combine(to, ReferenceDataset.MetaFile);
        string meta = File.ReadAllText(pipe);
        File.Delete(pipe);
        using var mkfifo = System.Diagnostics.Process.Start("/usr/bin/mkfifo", [pipe])!;
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
        return (to, pipe, meta);
    }

    private static void Feed(string pipe, string text)
    {
        var write = Task.Run(() => File.WriteAllText(pipe, text));
        if (write.Wait(TimeSpan.FromSeconds(120))) return;
        using (File.OpenRead(pipe)) { } // no reader came: unblock the writer, then fail
        Assert.Fail($"nothing read {pipe}");
    }

    [Fact]
    public void Two_pools_into_one_dataset_at_once_one_pools_and_the_other_is_refused_by_name()
    {
        using var dir = new TempDir();
        string into = Copy(runs.First, dir, "aldp");
        var (stalled, pipe, meta) = StalledCopy(runs.Second, dir, "seed2");
        string owner = dir.File(".aldp.lock.owner");
        using var first = BgenProcess.Start("pool", "--into", into, stalled);
        first.WaitUntil(() => File.Exists(owner), "the first pool's writer lock"); // it holds the lock, waiting on the pipe

        var second = BgenProcess.Run("pool", "--into", into, runs.Second);
        Assert.Equal(2, second.Code);
        Assert.Equal($"error: {into} is being written by another bgen process (pid {first.Id}: bgen pool --into {into} {stalled}).", second.Error.Trim());

        Feed(pipe, meta);
        var done = first.Wait();
        Assert.True(done.Code == 0, done.Error);
        var pooled = ReferenceDataset.Load(into); // every checksum verified
        Assert.Equal(2, Assert.Single(pooled.Meta.ExtraRuns!).Seed);
        Assert.Equal(ReferenceDataset.Load(runs.Second).All().Positions, pooled.Split(ReferenceDataset.ExtraSplit).Positions);
        Assert.Equal(ReferenceDataset.Load(runs.First).All().Positions, pooled.All().Positions);
        Assert.False(File.Exists(owner)); // released cleanly
        Assert.False(Directory.Exists(into + ".new"));
    }

    [Fact]
    public void A_writer_lock_held_by_a_pool_killed_with_sigkill_is_free_again_and_the_dataset_is_as_it_was()
    {
        using var dir = new TempDir();
        string into = Copy(runs.First, dir, "aldp");
        string metaBefore = File.ReadAllText(Path.Combine(into, ReferenceDataset.MetaFile));
        var (stalled, _, _) = StalledCopy(runs.Second, dir, "seed2");
        using (var first = BgenProcess.Start("pool", "--into", into, stalled))
        {
            first.WaitUntil(() => File.Exists(dir.File(".aldp.lock.owner")), "the pool's writer lock");
            var refused = Assert.Throws<InputException>(() => WriterLock.Acquire(into, "bgen test"));
            Assert.Equal($"{into} is being written by another bgen process (pid {first.Id}: bgen pool --into {into} {stalled}).", refused.Message);
            first.KillHard();
        }
        Assert.True(File.Exists(dir.File(".aldp.lock"))); // left by the kill, and blocking nothing:
        using (WriterLock.Acquire(into, "bgen test")) { }
        Assert.Equal(metaBefore, File.ReadAllText(Path.Combine(into, ReferenceDataset.MetaFile)));
        var (code, error) = Pool("--into", into, runs.Second);
        Assert.True(code == 0, error);
        Assert.Single(ReferenceDataset.Load(into).Meta.ExtraRuns!);
    }
}

public class PopulationPoolTests
{
    [Fact]
    public void Equal_runs_average_and_their_errors_add_in_quadrature()
    {
        var p = PopulationEstimate.Pool([(100, new PopulationEstimate(0.02, 0.004, 0.2, 10)), (100, new PopulationEstimate(0.04, 0.003, 0.075, 10))]);
        Assert.Equal(0.03, p.Mean, 12);
        Assert.Equal(0.0025, p.StandardError, 12); // ½ √(0.004² + 0.003²)
        Assert.Equal(20, p.Blocks);
    }

    [Fact]
    public void Runs_weigh_by_their_frame_counts()
    {
        var p = PopulationEstimate.Pool([(300, new PopulationEstimate(0.01, 0.003, 0.3, 10)), (100, new PopulationEstimate(0.05, 0.01, 0.2, 10))]);
        Assert.Equal(0.02, p.Mean, 12); // (300·0.01 + 100·0.05) / 400
        Assert.Equal(Math.Sqrt(0.75 * 0.75 * 0.003 * 0.003 + 0.25 * 0.25 * 0.01 * 0.01), p.StandardError, 12);
        Assert.Equal(p.StandardError / 0.02, p.RelativeError!.Value, 12);
    }

    private static DatasetMeta ThreeRuns(params double[] means) => new()
    {
        PhiPositivePopulation = new Dictionary<string, PopulationEstimate> { ["phi2"] = new(means[0], 0.001, null, 10) },
        ExtraRuns = means.Skip(1).Select((m, i) => new ExtraRun
        {
            Seed = i + 2, Frames = 100,
            PhiPositivePopulation = new Dictionary<string, PopulationEstimate> { ["phi2"] = new(m, 0.001, null, 10) },
        }).ToList(),
    };

    [Fact]
    public void Between_seed_error_is_the_spread_of_the_run_means_over_root_k()
    {
        var between = DatasetPool.BetweenSeedStandardErrors(ThreeRuns(0.01, 0.02, 0.03));
        Assert.Equal(0.01 / Math.Sqrt(3), between["phi2"], 12); // s = 0.01 (ddof 1), k = 3
        Assert.Empty(DatasetPool.BetweenSeedStandardErrors(ThreeRuns(0.01))); // one run has no spread
    }

    [Fact]
    public void Reported_relative_error_is_the_larger_of_block_and_between_seed()
    {
        var pooled = new PopulationEstimate(0.02, 0.002, 0.1, 20);
        Assert.Equal(0.25, DatasetPool.ReportedRelativeError(pooled, 0.005)!.Value, 12);
        Assert.Equal(0.1, DatasetPool.ReportedRelativeError(pooled, 0.001)!.Value, 12);
        Assert.Equal(0.1, DatasetPool.ReportedRelativeError(pooled, null)!.Value, 12);
    }
}
