using BoltzmannGen.Cli;
using BoltzmannGen.Data;
using BoltzmannGen.Datasets;
using BoltzmannGen.Flows;
using BoltzmannGen.Sampling;
using BoltzmannGen.Targets;
using BoltzmannGen.Tests.Support;

namespace BoltzmannGen.Tests.Cli;

/// <summary>A small dataset, OT targets and a briefly trained ALDP flow made through the CLI, shared by the tests.</summary>
public sealed class SmallFlowRun : IDisposable
{
    public SmallFlowRun()
    {
        Folder = new TempDir();
        string ff = EnergyFixtures.Catalog.ForceFieldsDirectory;
        Data = Path.Combine(Folder.Path, "data");
        Targets = Path.Combine(Folder.Path, "targets.npz");
        Model = Path.Combine(Folder.Path, "flow");
        Samples = Path.Combine(Folder.Path, "samples.npz");
        Steps.Add(Run(["simulate", "--system", "aldp", "--ns", "0.05", "--equilibrate-ps", "1", "--out", Data, "--forcefields", ff]));
        Steps.Add(Run(["targets", "--system", "aldp", "--kind", "ot", "--data", Data, "--pairs", "32", "--out", Targets, "--forcefields", ff]));
        Steps.Add(Run(["train", "--system", "aldp", "--objective", "fort", "--arch", "nsf", "--targets", Targets, "--data", Data,
            "--out", Model, "--steps", "10", "--device", "cpu", "--forcefields", ff, "layers=2", "hidden=16", "batch_size=16", "val_every=10", "log_every=5"]));
        Steps.Add(Run(["sample", "--model", Model, "--n", "64", "--out", Samples, "--seed", "4", "--device", "cpu"]));
    }

    internal TempDir Folder { get; }
    public string Data { get; }
    public string Targets { get; }
    public string Model { get; }
    public string Samples { get; }
    public List<(int Code, string Error)> Steps { get; } = [];

    internal static (int Code, string Error) Run(string[] args) => InProcessBgen.Capture(args);

    public void Dispose() => Folder.Dispose();
}

public class FlowCommandsTests(SmallFlowRun run) : IClassFixture<SmallFlowRun>
{
    private static string ForceFields => EnergyFixtures.Catalog.ForceFieldsDirectory;

    [Fact]
    public void Every_stage_succeeded_and_wrote_its_files()
    {
        Assert.All(run.Steps, s => Assert.True(s.Code == 0, s.Error));
        foreach (var f in new[] { ModelDirectory.InfoFile, ModelDirectory.WeightsFile, ModelDirectory.ConfigFile, ModelDirectory.LogFile })
            Assert.True(File.Exists(Path.Combine(run.Model, f)), f);
        Assert.Equal(new[] { 64, 22, 3 }, Npz.Read(run.Samples, "positions").Shape);
        Assert.Equal(new[] { 64 }, Npz.Read(run.Samples, "log_q").Shape);
        var targets = TargetsFile.Read(run.Targets, "aldp", 22);
        Assert.Equal(32, targets.Pairs);
        Assert.True(targets.Meta.MeanSquaredDistancePaired <= targets.Meta.MeanSquaredDistanceRandom);
    }

    [Fact]
    public void Logq_of_the_samples_reproduces_their_log_q()
    {
        using var dir = new TempDir();
        var positions = Npz.Read(run.Samples, "positions");
        var input = dir.File("positions.npy");
        Npy.Write(input, positions);
        var (code, error) = SmallFlowRun.Run(["logq", "--model", run.Model, "--input", input, "--out", dir.File("logq.npy"), "--device", "cpu"]);
        Assert.True(code == 0, error);
        var recomputed = Npy.Read(dir.File("logq.npy")).AsFloat64();
        var stored = Npz.Read(run.Samples, "log_q").AsFloat64();
        // Positions were stored as float32; log q changes by ∇log q · δx ≈ 1e-3 at most for these models.
        for (int i = 0; i < stored.Length; i++) Assert.True(Math.Abs(recomputed[i] - stored[i]) <= 1e-3 * Math.Max(1, Math.Abs(stored[i]) / 100), $"sample {i}: {recomputed[i]} vs {stored[i]}");
    }

    [Fact]
    public void Targets_for_another_system_are_refused_and_nothing_is_written()
    {
        using var dir = new TempDir();
        var (code, error) = SmallFlowRun.Run(["train", "--system", "al3", "--objective", "fort", "--targets", run.Targets, "--out", dir.File("m"), "--forcefields", ForceFields]);
        Assert.Equal(2, code);
        Assert.Contains("aldp", error);
        Assert.False(Directory.Exists(dir.File("m")));
    }

    [Fact]
    public void Wrong_shape_targets_are_refused()
    {
        using var dir = new TempDir();
        var t = TargetsFile.Read(run.Targets, "aldp", 22);
        Npz.Write(dir.File("bad.npz"), ("x0", new NpyArray(t.X0, t.Pairs, 22, 3)), ("x1", new NpyArray(t.X1[..(22 * 3 * 10)], 10, 22, 3)),
            ("scale", new NpyArray([t.Scale], 1)), ("meta", Npz.Read(run.Targets, "meta")));
        var (code, error) = SmallFlowRun.Run(["train", "--system", "aldp", "--targets", dir.File("bad.npz"), "--out", dir.File("m"), "--forcefields", ForceFields]);
        Assert.Equal(2, code);
        Assert.Contains("x1", error);
    }

    [Fact]
    public void Unknown_architecture_lists_the_known_ones()
    {
        using var dir = new TempDir();
        var (code, error) = SmallFlowRun.Run(["train", "--system", "aldp", "--arch", "glow", "--targets", run.Targets, "--out", dir.File("m"), "--forcefields", ForceFields]);
        Assert.Equal(2, code);
        Assert.Contains("glow", error);
        Assert.Contains("tarflow", error);
    }

    [Fact]
    public void NaN_in_the_data_is_refused_by_name()
    {
        using var dir = new TempDir();
        foreach (var f in Directory.GetFiles(run.Data)) File.Copy(f, Path.Combine(dir.Path, Path.GetFileName(f)));
        var train = Npy.Read(dir.File("train.npy"));
        var values = train.AsFloat32();
        values[100] = float.NaN;
        Npy.Write(dir.File("train.npy"), values, train.Shape);
        // Re-seal the checksums so only the NaN is wrong.
        var meta = File.ReadAllText(dir.File("meta.json")).Replace(ReferenceDataset.Sha256(Path.Combine(run.Data, "train.npy")), ReferenceDataset.Sha256(dir.File("train.npy")));
        File.WriteAllText(dir.File("meta.json"), meta);
        var (code, error) = SmallFlowRun.Run(["train", "--system", "aldp", "--objective", "mle", "--data", dir.Path, "--out", dir.File("m"), "--forcefields", ForceFields]);
        Assert.Equal(2, code);
        Assert.Contains("train.npy", error);
        Assert.Contains("non-finite", error);
    }

    [Fact]
    public void An_existing_model_is_not_overwritten_and_resume_needs_a_checkpoint()
    {
        string before = File.ReadAllText(Path.Combine(run.Model, ModelDirectory.InfoFile));
        var (code, error) = SmallFlowRun.Run(["train", "--system", "aldp", "--targets", run.Targets, "--out", run.Model, "--forcefields", ForceFields, "layers=2", "hidden=16", "batch_size=16"]);
        Assert.Equal(2, code);
        Assert.Contains("--resume", error);
        Assert.Equal(before, File.ReadAllText(Path.Combine(run.Model, ModelDirectory.InfoFile)));
    }

    [Theory]
    [InlineData("--defensive", "1", "--defensive 1: use a fraction in [0, 1)")]
    [InlineData("--defensive-scale", "0.5", "--defensive-scale 0.5: use a prior scale τ ≥ 1")]
    public void A_bad_defensive_mixture_is_refused_with_nothing_written(string option, string value, string expected)
    {
        using var dir = new TempDir();
        var (code, error) = SmallFlowRun.Run(["sample", "--model", run.Model, "--n", "5", "--out", dir.File("s.npz"), "--defensive", "0.1", option, value]);
        Assert.Equal(2, code);
        Assert.Contains(expected, error);
        Assert.Empty(dir.Files());
    }

    [Fact]
    public void A_mixture_of_a_flow_with_itself_has_the_flows_own_log_q_and_says_how_it_was_drawn()
    {
        using var dir = new TempDir();
        string samples = dir.File("mix.npz");
        var (code, error) = SmallFlowRun.Run(["sample", "--model", run.Model, "--mix-with", run.Model, "--n", "40", "--out", samples, "--device", "cpu"]);
        Assert.True(code == 0, error);
        var file = SampleFile.Read(samples);
        Assert.Equal([2.0], file.Optional(SampleFile.MixtureFlows)!);
        // ½q + ½q = q: the stored density is the model's own, computed here through its density direction.
        var (model, _) = ModelDirectory.Load(run.Model, TorchSharp.torch.CPU);
        var own = model.LogQ(file.PositionsNm(), 64);
        var stored = file.LogQValues();
        for (int i = 0; i < stored.Length; i++) Assert.True(Math.Abs(own[i] - stored[i]) <= 1e-3, $"sample {i}: {own[i]} vs {stored[i]}");
    }

    [Fact]
    public void A_mixture_member_that_is_missing_of_another_system_or_beside_defensive_is_refused_with_nothing_written()
    {
        using var dir = new TempDir();
        string other = dir.File("al3-model");
        Directory.CreateDirectory(other);
        foreach (var f in Directory.GetFiles(run.Model)) File.Copy(f, Path.Combine(other, Path.GetFileName(f)));
        var info = Path.Combine(other, ModelDirectory.InfoFile);
        string json = File.ReadAllText(info);
        // A system outside the catalog passes the catalog check and is refused by the comparison with --model.
        File.WriteAllText(info, json.Replace("\"system\": \"aldp\"", "\"system\": \"toy\""));
        string outFile = dir.File("s.npz");
        var (code, error) = SmallFlowRun.Run(["sample", "--model", run.Model, "--mix-with", other, "--n", "5", "--out", outFile]);
        Assert.Equal((2, $"error: --mix-with {other}: a model of toy (22 atoms), but --model {run.Model} is of aldp (22 atoms); a mixture's flows must model one system."),
                     (code, error.Trim()));
        // A catalog system with another atom count (al3) means model.json was edited: named as damaged, as for --model.
        File.WriteAllText(info, json.Replace("\"system\": \"aldp\"", "\"system\": \"al3\""));
        (code, error) = SmallFlowRun.Run(["sample", "--model", run.Model, "--mix-with", other, "--n", "5", "--out", outFile]);
        Assert.Equal(2, code);
        Assert.StartsWith($"error: {Path.Combine(other, ModelDirectory.InfoFile)} names system al3 (", error.Trim());
        Assert.Contains("atoms), but the model has 22 atoms: the file was changed or damaged", error);
        (code, error) = SmallFlowRun.Run(["sample", "--model", run.Model, "--mix-with", dir.File("nothing"), "--n", "5", "--out", outFile]);
        Assert.Equal(2, code);
        Assert.Contains($"error: --mix-with {dir.File("nothing")}: folder not found.", error);
        (code, error) = SmallFlowRun.Run(["sample", "--model", run.Model, "--mix-with", run.Model, "--defensive", "0.1", "--n", "5", "--out", outFile]);
        Assert.Equal((2, "error: --defensive and --mix-with together: choose one kind of mixture."), (code, error.Trim()));
        Assert.False(File.Exists(outFile));
    }

    [Fact]
    public void Sampling_from_a_missing_model_is_a_clear_error()
    {
        using var dir = new TempDir();
        var (code, error) = SmallFlowRun.Run(["sample", "--model", dir.File("nothing"), "--n", "5", "--out", dir.File("s.npz")]);
        Assert.Equal(2, code);
        Assert.Contains("nothing", error);
        Assert.Empty(dir.Files());
    }

    [Fact]
    public void Reweight_adds_weights_and_keeps_what_was_there()
    {
        using var dir = new TempDir();
        string copy = dir.File("samples.npz");
        File.Copy(run.Samples, copy);
        var before = Npz.ReadAll(copy);
        var (code, error) = SmallFlowRun.Run(["reweight", "--system", "aldp", "--samples", copy, "--forcefields", ForceFields, "--threads", "2"]);
        Assert.True(code == 0, error);
        var after = Npz.ReadAll(copy);
        Assert.Equal(before["log_q"].AsFloat64(), after["log_q"].AsFloat64());
        foreach (var name in new[] { "energy", "log_w", "valid", "reflected" }) Assert.Equal(new[] { 64 }, after[name].Shape);
        // log w = −u − log q wherever the sample is valid with a finite energy, −∞ elsewhere
        var e = after["energy"].AsFloat64();
        var lw = after["log_w"].AsFloat64();
        var lq = after["log_q"].AsFloat64();
        var ok = after["valid"].AsBool();
        double kT = BoltzmannGen.Systems.Thermodynamics.KT(300);
        for (int i = 0; i < 64; i++)
            if (ok[i] && double.IsFinite(e[i])) Assert.Equal(-e[i] / kT - lq[i], lw[i], 6);
            else Assert.True(double.IsNegativeInfinity(lw[i]));
    }

    [Fact]
    public void Reweighting_samples_of_another_system_is_refused_and_the_file_is_untouched()
    {
        using var dir = new TempDir();
        string copy = dir.File("samples.npz");
        File.Copy(run.Samples, copy);
        var bytes = File.ReadAllBytes(copy);
        var (code, error) = SmallFlowRun.Run(["reweight", "--system", "al4", "--samples", copy, "--forcefields", ForceFields]);
        Assert.Equal(2, code);
        Assert.Contains("another system", error);
        Assert.Equal(bytes, File.ReadAllBytes(copy));
    }

    [Fact]
    public void Teacher_train_sample_and_reflow_targets_work_through_the_cli()
    {
        using var dir = new TempDir();
        string teacher = dir.File("teacher");
        var train = SmallFlowRun.Run(["teacher", "train", "--system", "aldp", "--data", run.Data, "--out", teacher, "--net", "mlp", "--coupling", "ot",
            "--steps", "4", "--device", "cpu", "--forcefields", ForceFields, "layers=1", "hidden=8", "batch_size=8", "val_every=4", "checkpoint_every=2"]);
        Assert.True(train.Code == 0, train.Error);

        string exact = dir.File("exact.npz"), estimate = dir.File("estimate.npz");
        var a = SmallFlowRun.Run(["teacher", "sample", "--model", teacher, "--n", "6", "--batch", "4", "--out", exact, "--solver", "rk4", "--steps", "4",
            "--device", "cpu", "--forcefields", ForceFields]);
        Assert.True(a.Code == 0, a.Error);
        Assert.Equal(new[] { 6, 22, 3 }, Npz.Read(exact, "positions").Shape);
        Assert.All(Npz.Read(exact, "log_q").AsFloat64(), v => Assert.True(double.IsFinite(v)));
        Assert.False(Npz.Contains(exact, "log_q_is_estimate"));
        var b = SmallFlowRun.Run(["teacher", "sample", "--model", teacher, "--n", "2", "--out", estimate, "--solver", "euler", "--steps", "2",
            "--divergence", "Hutchinson", "--device", "cpu", "--forcefields", ForceFields]);
        Assert.True(b.Code == 0, b.Error);
        Assert.True(Npz.Contains(estimate, "log_q_is_estimate"));

        string targets = dir.File("reflow.npz");
        var c = SmallFlowRun.Run(["targets", "--system", "aldp", "--kind", "reflow", "--teacher", teacher, "--pairs", "10", "--chunk", "4",
            "--steps", "3", "--out", targets, "--device", "cpu", "--forcefields", ForceFields]);
        Assert.True(c.Code == 0, c.Error);
        var file = TargetsFile.Read(targets, "aldp", 22);
        Assert.Equal("reflow", file.Meta.Kind);
        Assert.Equal(10, file.Pairs);
        Assert.False(Directory.Exists(targets + ".partial"));

        // The same pairs made in two parts (chunks {0, 2} and {1}), then assembled by --resume: bit for bit the same.
        string split = dir.File("split.npz");
        string[] common = ["targets", "--system", "aldp", "--kind", "reflow", "--teacher", teacher, "--pairs", "10", "--chunk", "4",
                           "--steps", "3", "--out", split, "--device", "cpu", "--forcefields", ForceFields];
        foreach (var part in new[] { "1", "0" })
        {
            var p = SmallFlowRun.Run([.. common, "--part", part, "--parts", "2"]);
            Assert.True(p.Code == 0, p.Error);
            Assert.False(File.Exists(split));
        }
        Assert.Equal(3, Directory.GetFiles(split + ".partial", "chunk-*.npz").Length);
        var assembled = SmallFlowRun.Run([.. common, "--resume"]);
        Assert.True(assembled.Code == 0, assembled.Error);
        var whole = TargetsFile.Read(split, "aldp", 22);
        Assert.Equal(file.X0, whole.X0);
        Assert.Equal(file.X1, whole.X1);
        Assert.False(Directory.Exists(split + ".partial"));
        var tooMany = SmallFlowRun.Run([.. common, "--part", "0", "--parts", "4"]);
        Assert.Equal(2, tooMany.Code);
        Assert.Contains("more parts than the 3 chunks", tooMany.Error);

        var wrong = SmallFlowRun.Run(["targets", "--system", "al4", "--kind", "reflow", "--teacher", teacher, "--pairs", "4", "--out", dir.File("x.npz"),
            "--forcefields", ForceFields]);
        Assert.Equal(2, wrong.Code);
        Assert.Contains("not al4", wrong.Error);
    }

    [Theory]
    [InlineData("fort")]
    [InlineData("mle")]
    public void An_internal_coordinate_flow_samples_physical_bonds_and_logq_reproduces_its_log_q(string objective)
    {
        using var dir = new TempDir();
        string model = dir.File("flow"), samples = dir.File("samples.npz");
        var train = SmallFlowRun.Run(["train", "--system", "aldp", "--objective", objective, "--arch", "nsf", "--targets", run.Targets, "--data", run.Data,
            "--out", model, "--steps", "10", "--device", "cpu", "--forcefields", ForceFields, "coordinates=internal", "layers=2", "hidden=16",
            "batch_size=16", "val_every=10", "log_every=5"]);
        Assert.True(train.Code == 0, train.Error);
        Assert.Contains("\"coordinates\": \"internal\"", File.ReadAllText(Path.Combine(model, ModelDirectory.InfoFile)));
        var sample = SmallFlowRun.Run(["sample", "--model", model, "--n", "200", "--out", samples, "--seed", "3", "--device", "cpu"]);
        Assert.True(sample.Code == 0, sample.Error);

        // Bonds: a barely trained flow keeps y near its standard normal prior, i.e. every bond within a few thermal
        // widths (σ ≈ 0.003–0.005 nm) of its mean — far inside the 0.02 nm validity tolerance. A Cartesian flow
        // after 10 steps misses it on every sample.
        var system = BoltzmannGen.Tests.Support.EnergyFixtures.System("aldp");
        var reference = ReferenceDataset.Load(run.Data, system).Split("train").Frame(0).ToArray();
        var check = new BoltzmannGen.Sampling.ValidityCheck(system.Topology, reference);
        var positions = Npz.Read(samples, "positions").ToDoubles();
        int ok = Enumerable.Range(0, 200).Count(i => check.BondsOk(positions.AsSpan(i * 66, 66)));
        Assert.True(ok >= 180, $"{ok} of 200 samples have every bond within 0.02 nm");

        Npy.Write(dir.File("positions.npy"), Npz.Read(samples, "positions"));
        var logq = SmallFlowRun.Run(["logq", "--model", model, "--input", dir.File("positions.npy"), "--out", dir.File("logq.npy"), "--device", "cpu"]);
        Assert.True(logq.Code == 0, logq.Error);
        var recomputed = Npy.Read(dir.File("logq.npy")).AsFloat64();
        var stored = Npz.Read(samples, "log_q").AsFloat64();
        for (int i = 0; i < stored.Length; i++) Assert.True(Math.Abs(recomputed[i] - stored[i]) <= 1e-3 * Math.Max(1, Math.Abs(stored[i]) / 100), $"sample {i}: {recomputed[i]} vs {stored[i]}");
    }

    [Fact]
    public void An_internal_coordinate_teacher_gives_reflow_targets_in_the_cartesian_frame_with_physical_bonds()
    {
        using var dir = new TempDir();
        string teacher = dir.File("teacher");
        var train = SmallFlowRun.Run(["teacher", "train", "--system", "aldp", "--data", run.Data, "--out", teacher, "--net", "mlp", "--coupling", "ot",
            "--steps", "4", "--device", "cpu", "--forcefields", ForceFields, "coordinates=internal", "layers=1", "hidden=8", "batch_size=8",
            "val_every=4", "checkpoint_every=2"]);
        Assert.True(train.Code == 0, train.Error);
        var egnn = SmallFlowRun.Run(["teacher", "train", "--system", "aldp", "--data", run.Data, "--out", dir.File("egnn"), "--net", "egnn",
            "--steps", "1", "--device", "cpu", "--forcefields", ForceFields, "coordinates=internal"]);
        Assert.Equal(2, egnn.Code);
        Assert.Contains("net=mlp", egnn.Error);

        // Exact log q of the teacher's samples, recomputed by integrating backwards from their positions.
        string samples = dir.File("cnf.npz");
        var a = SmallFlowRun.Run(["teacher", "sample", "--model", teacher, "--n", "4", "--out", samples, "--solver", "rk4", "--steps", "4",
            "--device", "cpu", "--forcefields", ForceFields]);
        Assert.True(a.Code == 0, a.Error);
        Assert.All(Npz.Read(samples, "log_q").AsFloat64(), v => Assert.True(double.IsFinite(v)));

        string targets = dir.File("reflow.npz");
        var c = SmallFlowRun.Run(["targets", "--system", "aldp", "--kind", "reflow", "--teacher", teacher, "--pairs", "50", "--steps", "3",
            "--out", targets, "--device", "cpu", "--forcefields", ForceFields]);
        Assert.True(c.Code == 0, c.Error);
        var file = TargetsFile.Read(targets, "aldp", 22);
        var system = BoltzmannGen.Tests.Support.EnergyFixtures.System("aldp");
        var reference = ReferenceDataset.Load(run.Data, system).Split("train").Frame(0).ToArray();
        var check = new BoltzmannGen.Sampling.ValidityCheck(system.Topology, reference);
        // x1 is stored in the normalised Cartesian frame: × scale gives nm, and a barely trained internal-coordinate
        // CNF keeps every bond near its mean (a Cartesian frame misread as y, or y misread as Cartesian, would not).
        int ok = Enumerable.Range(0, 50).Count(i => check.BondsOk(file.X1.AsSpan(i * 66, 66).ToArray().Select(v => v * file.Scale).ToArray()));
        Assert.True(ok >= 45, $"{ok} of 50 reflow targets have every bond within 0.02 nm");

        // The targets carry the teacher's internal-coordinate map, and an internal-coordinate student takes it as it
        // is: a map fitted anew would cut its periodic angles elsewhere and turn pairs across the cut into jumps.
        var teacherMap = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(teacher, "teacher.json")))!["internal_coordinates"]!;
        Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(teacherMap, file.Meta.InternalCoordinates), "targets meta holds the teacher's map");
        string student = dir.File("student");
        var s = SmallFlowRun.Run(["train", "--system", "aldp", "--targets", targets, "--out", student, "--steps", "2", "--device", "cpu",
            "--forcefields", ForceFields, "coordinates=internal", "layers=1", "hidden=8", "batch_size=8", "val_every=2"]);
        Assert.True(s.Code == 0, s.Error);
        var studentMap = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(student, ModelDirectory.InfoFile)))!["internal_coordinates"]!;
        Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(teacherMap, studentMap), "the student uses the teacher's map");
    }

    [Fact]
    public void Ot_targets_with_an_internal_coordinate_cost_pair_the_same_frames_differently_and_better_in_that_space()
    {
        using var dir = new TempDir();
        string targets = dir.File("ic.npz");
        var (code, error) = SmallFlowRun.Run(["targets", "--system", "aldp", "--kind", "ot", "--cost", "internal", "--data", run.Data, "--pairs", "32",
            "--out", targets, "--forcefields", ForceFields]);
        Assert.True(code == 0, error);
        var internalPairs = TargetsFile.Read(targets, "aldp", 22);
        var cartesianPairs = TargetsFile.Read(run.Targets, "aldp", 22);
        Assert.Equal("internal", internalPairs.Meta.Cost);
        Assert.True(internalPairs.Meta.MeanSquaredDistancePaired < internalPairs.Meta.MeanSquaredDistanceRandom);
        // Same seed: the same prior draws and the same 32 frames (in the Cartesian frame), only the pairing differs.
        Assert.Equal(cartesianPairs.X0, internalPairs.X0);
        var frames = (TargetsFile t) => Enumerable.Range(0, 32).Select(i => string.Join(",", t.X1.AsSpan(i * 66, 66).ToArray())).Order().ToArray();
        Assert.Equal(frames(cartesianPairs), frames(internalPairs));
        var bad = SmallFlowRun.Run(["targets", "--system", "aldp", "--kind", "ot", "--cost", "internal", "--align", "kabsch", "--data", run.Data,
            "--pairs", "8", "--out", dir.File("x.npz"), "--forcefields", ForceFields]);
        Assert.Equal(2, bad.Code);
        Assert.Contains("--align", bad.Error);
    }

    [Fact]
    public void Two_trainings_into_one_folder_at_once_the_second_is_refused_by_name_and_writes_nothing()
    {
        using var dir = new TempDir();
        string model = dir.File("m");
        string[] args = ["train", "--system", "aldp", "--objective", "fort", "--arch", "nsf", "--targets", run.Targets, "--out", model,
            "--device", "cpu", "--forcefields", ForceFields, "layers=1", "hidden=8", "batch_size=8"];
        using var first = BgenProcess.Start([.. args, "--steps", "1000000"]);
        string config = Path.Combine(model, ModelDirectory.ConfigFile);
        // Written under its lock, once, and read here only when complete.
        first.WaitUntil(() => File.Exists(config) && File.ReadAllText(config).Contains("steps: 1000000"), "the first training's config.yaml");
        string firstConfig = File.ReadAllText(config);

        var second = BgenProcess.Run([.. args, "--steps", "10"]);
        Assert.Equal(2, second.Code);
        string line = Assert.Single(second.Error.Trim().Split('\n'));
        Assert.StartsWith($"error: {model} is being written by another bgen process (pid {first.Id}: bgen train --system aldp", line);
        Assert.Contains("--steps 1000000", line);
        Assert.Equal(firstConfig, File.ReadAllText(config));
        first.KillHard();
    }

    [Theory]
    [InlineData("layers=0", "layers must be at least 1 (got 0)")]
    [InlineData("bins=0", "bins must be at least 1 (got 0)")]
    [InlineData("tail_bound=0", "tail_bound must be positive")]
    [InlineData("hidden=-1", "hidden must be at least 1 (got -1)")]
    public void A_flow_shape_that_cannot_be_built_is_refused_by_name_before_anything_is_written(string setting, string message)
    {
        using var dir = new TempDir();
        var (code, error) = SmallFlowRun.Run(["train", "--system", "aldp", "--objective", "fort", "--arch", "nsf", "--targets", run.Targets,
            "--out", dir.File("m"), "--steps", "2", "--device", "cpu", "--forcefields", ForceFields, setting]);
        Assert.Equal(2, code);
        Assert.StartsWith($"error: {message}", Assert.Single(error.Trim().Split('\n')));
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void Tarflow_heads_must_divide_its_channels()
    {
        using var dir = new TempDir();
        var (code, error) = SmallFlowRun.Run(["train", "--system", "aldp", "--objective", "fort", "--arch", "tarflow", "--targets", run.Targets,
            "--out", dir.File("m"), "--steps", "2", "--device", "cpu", "--forcefields", ForceFields, "channels=10", "heads=4"]);
        Assert.Equal(2, code);
        Assert.Contains("channels (10) and heads (4)", error);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    public static TheoryData<string, string[]> CommandsWithAnOutputFolder => new()
    {
        { "the model", ["train", "--system", "aldp", "--targets", "{targets}", "--steps", "2"] },
        { "the teacher", ["teacher", "train", "--system", "aldp", "--data", "{data}", "--steps", "2"] },
        { "the fine-tuned model", ["finetune", "--model", "{model}", "--steps", "2"] },
        { "the report", ["report", "--system", "aldp", "--samples", "{samples}", "--reference", "{data}"] },
        { "the comparison", ["compare", "{model}"] },
        { "the run", ["run", "--system", "aldp", "--preset", "smoke"] },
    };

    [Theory]
    [MemberData(nameof(CommandsWithAnOutputFolder))]
    public void An_output_folder_naming_an_existing_file_is_refused_by_name_and_the_file_is_untouched(string what, string[] args)
    {
        using var dir = new TempDir();
        string file = dir.File("taken");
        File.WriteAllText(file, "keep me");
        var filled = args.Select(a => a.Replace("{targets}", run.Targets).Replace("{data}", run.Data).Replace("{model}", run.Model)
            .Replace("{samples}", run.Samples)).ToList();
        if (filled[0] != "compare") filled.AddRange(["--forcefields", ForceFields]);
        var (code, error) = SmallFlowRun.Run([.. filled, "--out", file]);
        Assert.Equal(2, code);
        Assert.Equal($"error: --out {file} is a file; give a folder for {what}.", error.Trim());
        Assert.Equal("keep me", File.ReadAllText(file));
        Assert.Equal(["taken"], dir.Files());
    }
}
