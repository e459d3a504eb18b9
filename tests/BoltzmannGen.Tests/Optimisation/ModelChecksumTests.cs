using System.Text.Json.Nodes;
using BoltzmannGen.Cli;
using BoltzmannGen.Data;
using BoltzmannGen.FineTuning;
using BoltzmannGen.Flows;
using BoltzmannGen.Optimisation;
using BoltzmannGen.Targets;
using BoltzmannGen.Teacher;
using BoltzmannGen.Tests.FineTuning;
using BoltzmannGen.Tests.Support;

namespace BoltzmannGen.Tests.Optimisation;

/// <summary>
/// Every model, teacher and checkpoint file carries a sha256 written with it (docs/design.md §5.3, §5.4) and checked
/// before it is loaded: flipped bytes in weights load without complaint in libtorch (only truncation is caught), so
/// without the check `sample` and `train --resume` went on silently with damaged weights (issue 20, items 3 and 10).
/// </summary>
public class ModelChecksumTests
{
    private static string ForceFields => EnergyFixtures.Catalog.ForceFieldsDirectory;

    /// <summary>XORs 64 bytes shortly before the end (tensor data, not the header): the file keeps its length and loads.</summary>
    internal static void FlipBytes(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 200, $"{path} is too small to damage quietly");
        for (int i = bytes.Length - 80; i < bytes.Length - 16; i++) bytes[i] ^= 0x5A;
        File.WriteAllBytes(path, bytes);
    }

    private static (int Code, string Error) Run(params string[] args) => InProcessBgen.Capture(args);

    private static void AssertRefusedAsDamaged((int Code, string Error) result, string file)
    {
        Assert.Equal(2, result.Code);
        string line = Assert.Single(result.Error.Trim().Split('\n'));
        Assert.StartsWith($"error: {file} does not match its checksum in ", line);
        Assert.Contains("the file was changed or damaged", line);
    }

    [Fact]
    public void A_model_folder_records_the_checksum_of_its_weights_and_sample_refuses_flipped_bytes()
    {
        using var dir = new TempDir();
        string model = FineTunerTests.BaseModel(dir);
        string weights = Path.Combine(model, ModelDirectory.WeightsFile);
        Assert.Equal(FileChecksum.Of(weights), ModelDirectory.ReadInfo(model).Sha256![ModelDirectory.WeightsFile]);
        var good = Run("sample", "--model", model, "--n", "4", "--out", dir.File("ok.npz"), "--device", "cpu");
        Assert.True(good.Code == 0, good.Error);

        FlipBytes(weights);
        AssertRefusedAsDamaged(Run("sample", "--model", model, "--n", "4", "--out", dir.File("s.npz"), "--device", "cpu"), weights);
        Assert.False(File.Exists(dir.File("s.npz")));
        // Every reader of a model folder goes through the same check: logq, and finetune of a damaged base model.
        Assert.Contains("does not match its checksum", Assert.Throws<InputException>(() => ModelDirectory.Load(model)).Message);
        var finetune = Run("finetune", "--model", model, "--out", dir.File("ft"), "--steps", "1", "--device", "cpu", "--forcefields", ForceFields);
        AssertRefusedAsDamaged(finetune, weights);
    }

    [Fact]
    public void A_model_folder_without_a_checksum_entry_is_refused_by_name()
    {
        using var dir = new TempDir();
        string model = FineTunerTests.BaseModel(dir);
        string infoPath = Path.Combine(model, ModelDirectory.InfoFile);
        var json = JsonNode.Parse(File.ReadAllText(infoPath))!.AsObject();
        Assert.True(json.Remove("sha256"));
        File.WriteAllText(infoPath, json.ToJsonString());
        var (code, error) = Run("sample", "--model", model, "--n", "4", "--out", dir.File("s.npz"), "--device", "cpu");
        Assert.Equal(2, code);
        Assert.Contains($"{Path.Combine(model, ModelDirectory.WeightsFile)}: the checksum entry is missing from {infoPath}", error);
    }

    [Fact]
    public void Teacher_sample_refuses_a_teacher_whose_weights_were_changed()
    {
        using var dir = new TempDir();
        var system = EnergyFixtures.System("aldp");
        var config = new TeacherConfig { Net = "mlp", Layers = 1, Hidden = 8, Seed = 2 };
        var info = new TeacherInfo { System = "aldp", Atoms = 22, Net = "mlp", Scale = 0.3, Coupling = "ot", Hyperparameters = TeacherTrainer.Hyperparameters(config) };
        string teacher = dir.File("teacher");
        TeacherDirectory.Save(teacher, info, TeacherDirectory.Build(info, system.Topology));
        string[] args = ["teacher", "sample", "--model", teacher, "--n", "2", "--steps", "2", "--solver", "euler", "--device", "cpu", "--forcefields", ForceFields];
        var good = Run([.. args, "--out", dir.File("ok.npz")]);
        Assert.True(good.Code == 0, good.Error);

        string weights = Path.Combine(teacher, ModelDirectory.WeightsFile);
        FlipBytes(weights);
        AssertRefusedAsDamaged(Run([.. args, "--out", dir.File("s.npz")]), weights);
        // Reflow targets load the teacher the same way.
        Assert.Contains("does not match its checksum", Assert.Throws<InputException>(() => TeacherDirectory.Load(teacher, system)).Message);
    }

    [Fact]
    public void Teacher_sample_refuses_a_teacher_json_that_names_a_system_of_another_atom_count_as_damaged()
    {
        // The probe: teacher.json's "system" edited to al4 was refused as "trained for al4 (22 atoms), not al4 (42 atoms)".
        using var dir = new TempDir();
        string teacher = Path.Combine(dir.Path, "teacher");
        var trained = Run("teacher", "train", "--system", "aldp", "--data", Path.Combine(ForceFields, "..", "data", "aldp"), "--out", teacher,
                          "--forcefields", ForceFields, "--device", "cpu", "net=egnn", "layers=1", "hidden=8", "steps=2", "batch_size=8", "val_every=2",
                          "checkpoint_every=2");
        Assert.True(trained.Code == 0, trained.Error);
        string info = Path.Combine(teacher, "teacher.json");
        var json = JsonNode.Parse(File.ReadAllText(info))!;
        json["system"] = "al4";
        File.WriteAllText(info, json.ToJsonString());
        var (code, error) = Run("teacher", "sample", "--model", teacher, "--n", "4", "--out", dir.File("s.npz"), "--device", "cpu", "--forcefields", ForceFields);
        Assert.Equal(2, code);
        Assert.Equal($"error: {info} names system al4 (42 atoms), but the teacher has 22 atoms: the file was changed or damaged; " +
                     $"{BoltzmannGen.Teacher.TeacherDirectory.Remedy}.", Assert.Single(error.Trim().Split('\n')));
        Assert.False(File.Exists(dir.File("s.npz")));
    }

    [Fact]
    public void Teacher_sample_given_a_flow_model_folder_speaks_of_model_not_teacher()
    {
        using var dir = new TempDir();
        string model = FineTunerTests.BaseModel(dir);
        var (code, error) = Run("teacher", "sample", "--model", model, "--n", "2", "--out", dir.File("s.npz"), "--forcefields", ForceFields);
        Assert.Equal(2, code);
        Assert.Equal($"error: --model {model} is a flow model folder (model.json), not a teacher folder (teacher.json); sample a flow with `bgen sample`.", error.Trim());
        Assert.DoesNotContain("--teacher", error);
    }

    public static TheoryData<string> CheckpointFiles => new() { "model.dat", "ema.dat", "optimizer.dat" };

    [Theory]
    [MemberData(nameof(CheckpointFiles))]
    public void Train_resume_refuses_a_checkpoint_file_with_flipped_bytes(string file)
    {
        using var dir = new TempDir();
        string targets = dir.File("targets.npz");
        var random = new Random(5);
        float[] Draw() => Enumerable.Range(0, 32 * 66).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        new TargetsFile(Draw(), Draw(), 32, 22, 0.3, new TargetsMeta { System = "aldp", Kind = "ot", Pairs = 32 }).Write(targets);
        string model = dir.File("flow");
        string[] args = ["train", "--system", "aldp", "--objective", "fort", "--arch", "resnvp", "--targets", targets, "--out", model, "--steps", "2",
                         "--device", "cpu", "--forcefields", ForceFields, "layers=1", "hidden=8", "batch_size=8", "val_every=2", "checkpoint_every=2", "log_every=1"];
        var first = Run(args);
        Assert.True(first.Code == 0, first.Error);
        string damaged = Path.Combine(model, ModelDirectory.CheckpointFolder, file);
        FlipBytes(damaged);
        var before = Snapshot(model);
        AssertRefusedAsDamaged(Run([.. args, "--resume"]), damaged);
        Assert.Equal(before, Snapshot(model)); // the probe: the refused resume rewrote config.yaml (same text, new mtime)

        // A resume with other options is refused too, and config.yaml still says what the checkpoint was made with.
        FlipBytes(damaged); // undamaged again (XOR twice)
        var other = Run([.. args.Select(a => a == "hidden=8" ? "hidden=9" : a), "--resume"]);
        Assert.Equal(2, other.Code);
        Assert.Contains("was made with a different config", other.Error);
        Assert.Contains("hidden: 8", File.ReadAllText(Path.Combine(model, ModelDirectory.ConfigFile)));
        Assert.Equal(before.Where(f => !f.StartsWith(damaged)), Snapshot(model).Where(f => !f.StartsWith(damaged)));
    }

    /// <summary>Every file under <paramref name="folder"/>: path, length, last write time and SHA-256.</summary>
    internal static string[] Snapshot(string folder) =>
        Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => $"{f} {new FileInfo(f).Length} {File.GetLastWriteTimeUtc(f).Ticks} {BoltzmannGen.Data.FileChecksum.Of(f)}").ToArray();

    [Fact]
    public void Sample_refuses_a_model_whose_model_json_names_a_system_of_another_atom_count_and_writes_nothing()
    {
        // Issue 20, item 9 (and the probe): model.json's "system" edited to al4; sample crashed after writing s.npz.
        using var dir = new TempDir();
        string model = FineTunerTests.BaseModel(dir);
        string info = Path.Combine(model, ModelDirectory.InfoFile);
        var json = JsonNode.Parse(File.ReadAllText(info))!;
        json["system"] = "al4";
        File.WriteAllText(info, json.ToJsonString());
        string output = dir.File("s.npz");
        var (code, error) = Run("sample", "--model", model, "--n", "8", "--out", output, "--device", "cpu");
        Assert.Equal(2, code);
        Assert.Equal($"error: {info} names system al4 (42 atoms), but the model has 22 atoms: the file was changed or damaged; {ModelDirectory.Remedy}.",
                     Assert.Single(error.Trim().Split('\n')));
        Assert.False(File.Exists(output));
        Assert.False(File.Exists(dir.File(".s.npz.lock")), "refused before the output's lock");
    }

    [Fact]
    public void Finetune_resume_refuses_a_damaged_checkpoint_and_damaged_best_weights()
    {
        using var dir = new TempDir();
        string baseModel = FineTunerTests.BaseModel(dir);
        var system = EnergyFixtures.System("aldp");
        var config = new FineTuneConfig
        {
            Steps = 2, BatchSize = 8, ValSamples = 8, ValEvery = 2, CheckpointEvery = 2, LogEvery = 1, WarmupSteps = 1,
            Device = "cpu", EnergyThreads = 1, Seed = 4, ReverseKl = 1,
        };
        string output = dir.File("ft");
        FineTuner.Run(new FineTuneRequest(baseModel, output, system, config));
        Assert.NotNull(JsonNode.Parse(File.ReadAllText(Path.Combine(output, ModelDirectory.CheckpointFolder, "state.json")))!["sha256"]);

        string best = Path.Combine(output, BestWeights.FolderName, "weights.dat");
        FlipBytes(best);
        var bestError = Assert.Throws<InputException>(() => FineTuner.Run(new FineTuneRequest(baseModel, output, system, config, Resume: true)));
        Assert.StartsWith($"{best} does not match its checksum", bestError.Message);

        string checkpoint = Path.Combine(output, ModelDirectory.CheckpointFolder, "model.dat");
        FlipBytes(checkpoint);
        var error = Assert.Throws<InputException>(() => FineTuner.Run(new FineTuneRequest(baseModel, output, system, config, Resume: true)));
        Assert.StartsWith($"{checkpoint} does not match its checksum", error.Message);
        Assert.Contains("start again without --resume", error.Message);
    }

    [Fact]
    public void A_checkpoint_from_before_checksums_is_refused_on_resume()
    {
        using var dir = new TempDir();
        string baseModel = FineTunerTests.BaseModel(dir);
        var system = EnergyFixtures.System("aldp");
        var config = new FineTuneConfig
        {
            Steps = 2, BatchSize = 8, ValSamples = 8, ValEvery = 2, CheckpointEvery = 2, LogEvery = 1, WarmupSteps = 1,
            Device = "cpu", EnergyThreads = 1, Seed = 4, ReverseKl = 1, Keep = "last",
        };
        string output = dir.File("ft");
        FineTuner.Run(new FineTuneRequest(baseModel, output, system, config));
        string state = Path.Combine(output, ModelDirectory.CheckpointFolder, "state.json");
        var json = JsonNode.Parse(File.ReadAllText(state))!.AsObject();
        json.Remove("sha256");
        File.WriteAllText(state, json.ToJsonString());
        var error = Assert.Throws<InputException>(() => FineTuner.Run(new FineTuneRequest(baseModel, output, system, config, Resume: true)));
        Assert.Contains("the checksum entry is missing from", error.Message);
    }
}
