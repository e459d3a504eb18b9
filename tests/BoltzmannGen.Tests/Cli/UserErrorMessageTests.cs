using System.Text.Json.Nodes;
using BoltzmannGen.Cli.Pipeline;
using BoltzmannGen.Cli;
using BoltzmannGen.Flows;
using BoltzmannGen.Optimisation;
using BoltzmannGen.Tests.FineTuning;
using BoltzmannGen.Tests.Support;

namespace BoltzmannGen.Tests.Cli;

/// <summary>
/// Errors speak of options, keys and files, never of .NET types (issue 20, item 16): "Failed to convert
/// '2000000000000' to Nullable`1", "System.Int32, System.Private.CoreLib, …", "(Parameter 'name')". A key given twice in
/// a YAML config is refused by name, not silently resolved to its last value (item 15).
/// </summary>
public class UserErrorMessageTests
{
    private static string ForceFields => EnergyFixtures.Catalog.ForceFieldsDirectory;
    private static string Repository => Path.GetFullPath(Path.Combine(ForceFields, ".."));

    private static string Error(params string[] args)
    {
        var errors = new StringWriter();
        int code = InProcessBgen.Run(args, errors);
        Assert.Equal(2, code);
        string line = Assert.Single(errors.ToString().Trim().Split('\n'));
        AssertNoDotNet(line);
        return line;
    }

    private static void AssertNoDotNet(string message)
    {
        foreach (var internals in new[] { "Nullable`1", "Int32", "Double", "System.", "CoreLib", "(Parameter", "PublicKeyToken", "Actual value was" })
            Assert.DoesNotContain(internals, message);
    }

    [Theory]
    [InlineData(new[] { "sample", "--model", "m", "--n", "2000000000000", "--out", "s.npz" }, "error: --n: '2000000000000' is too large: the largest whole number allowed is 2147483647.")]
    [InlineData(new[] { "sample", "--model", "m", "--n=1.5", "--out", "s.npz" }, "error: --n: '1.5' is not a whole number.")]
    [InlineData(new[] { "energy", "--system", "aldp", "--input", "a.npy", "--out", "e.csv", "--threads", "many" }, "error: --threads: 'many' is not a whole number.")]
    [InlineData(new[] { "simulate", "--system", "aldp", "--ns", "ten", "--out", "d" }, "error: --ns: 'ten' is not a number (e.g. 0.5 or 1e-3).")]
    [InlineData(new[] { "simulate", "--system", "aldp", "--ns", "1", "--seed", "-3000000000", "--out", "d" }, "error: --seed: '-3000000000' is too small: the smallest whole number allowed is -2147483648.")]
    public void An_option_value_of_the_wrong_type_is_named_by_its_option(string[] args, string expected)
    {
        Assert.Equal(expected, Error(args));
    }

    [Theory]
    [InlineData("steps=abc", "error: training config: override steps=abc: 'abc' is not a whole number.")]
    [InlineData("steps=2000000000000", "error: training config: override steps=2000000000000: '2000000000000' is too large: the largest whole number allowed is 2147483647.")]
    [InlineData("learning_rate=fast", "error: training config: override learning_rate=fast: 'fast' is not a number (e.g. 0.5 or 1e-3).")]
    [InlineData("random_rotations=maybe", "error: training config: override random_rotations=maybe: 'maybe' is not true or false.")]
    [InlineData("layers.x=3", "error: training config: override layers.x=3: layers takes a single value, not a section of keys (layers.…).")]
    public void A_config_override_of_the_wrong_type_is_named_by_key(string setting, string expected)
    {
        using var dir = new TempDir();
        Assert.Equal(expected, Error("train", "--system", "aldp", "--out", dir.File("m"), "--forcefields", ForceFields, setting));
        Assert.Empty(dir.Files());
    }

    [Theory]
    [InlineData("steps: [1, 2]\n", "steps takes a single value, not a list.")]
    [InlineData("steps: 1e3\n", "steps: '1e3' is not a whole number.")]
    [InlineData("layers: {a: 1}\n", "layers takes a single value, not a section of keys (layers.…).")]
    public void A_config_file_value_of_the_wrong_type_is_named_with_its_file_and_key(string yaml, string problem)
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("c.yaml"), yaml);
        Assert.Equal($"error: training config {dir.File("c.yaml")}: {problem}",
            Error("train", "--system", "aldp", "--out", dir.File("m"), "--config", dir.File("c.yaml"), "--forcefields", ForceFields));
    }

    [Fact]
    public void A_run_config_override_that_does_not_fit_blames_the_override_not_the_preset()
    {
        var e = Assert.Throws<InputException>(() => RunConfig.Load(Path.Combine(Repository, "configs", "presets", "smoke.yaml"), ["sample.n=3000000000"]));
        Assert.Equal("run config: override sample.n=3000000000: '3000000000' is too large: the largest whole number allowed is 2147483647.", e.Message);
        var section = Assert.Throws<InputException>(() => RunConfig.Load(Path.Combine(Repository, "configs", "presets", "smoke.yaml"), ["sample=5"]));
        Assert.Equal("run config: override sample=5: sample is a section of keys (e.g. sample.KEY: VALUE), not a single value.", section.Message);
    }

    [Fact]
    public void A_key_given_twice_in_a_config_file_is_refused_with_both_lines()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("c.yaml"), "steps: 5\nlayers: 2\nsteps: 7\n");
        Assert.Equal($"error: training config {dir.File("c.yaml")}: key 'steps' is given twice (lines 1 and 3); keep one.",
            Error("train", "--system", "aldp", "--out", dir.File("m"), "--config", dir.File("c.yaml"), "--forcefields", ForceFields));

        // Inside a section of a run config, named by its dotted key; the same key in two sections is fine.
        File.WriteAllText(dir.File("run.yaml"), "system: aldp\nteacher:\n  steps: 3\nflow:\n  steps: 3\n  layers: 2\n  steps: 4\nsample:\n  n: 10\n");
        var e = Assert.Throws<InputException>(() => RunConfig.Load(dir.File("run.yaml"), []));
        Assert.Equal($"run config {dir.File("run.yaml")}: key 'flow.steps' is given twice (lines 5 and 7); keep one.", e.Message);
    }

    [Fact]
    public void No_shipped_config_has_a_duplicate_key_and_lists_and_nested_sections_pass()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(Repository, "configs"), "*.yaml", SearchOption.AllDirectories))
            YamlConfig.RefuseDuplicateKeys(File.ReadAllText(file), file);
        YamlConfig.RefuseDuplicateKeys("a: [1, 1, {b: 1, c: 1}, {b: 2}]\nd:\n  - {b: 1}\n  - {b: 1}\ne: {f: {g: 1}, g: 2}\n", "test");
        var e = Assert.Throws<InputException>(() => YamlConfig.RefuseDuplicateKeys("a:\n  - {b: 1, b: 2}\n", "test"));
        Assert.Contains("key 'a.b' is given twice", e.Message);
    }

    [Fact]
    public void An_unknown_architecture_in_model_json_is_named_without_parameter_names()
    {
        using var dir = new TempDir();
        string model = FineTunerTests.BaseModel(dir);
        string info = Path.Combine(model, ModelDirectory.InfoFile);
        var json = JsonNode.Parse(File.ReadAllText(info))!;
        json["arch"] = "glow";
        File.WriteAllText(info, json.ToJsonString());
        string line = Error("sample", "--model", model, "--n", "2", "--out", dir.File("s.npz"), "--device", "cpu");
        Assert.StartsWith($"error: {info}: unknown flow architecture 'glow'", line);
    }

    [Fact]
    public void An_ode_option_refused_by_the_solver_is_said_without_parameter_names()
    {
        using var dir = new TempDir();
        Assert.Equal("error: unknown ODE solver 'foo'; valid solvers: euler, midpoint, rk4, dopri5",
            Error("teacher", "sample", "--model", dir.Path, "--solver", "foo", "--out", dir.File("s.npz")));
        Assert.Equal("error: --atol and --rtol must be positive and finite.",
            Error("teacher", "sample", "--model", dir.Path, "--atol", "1e400", "--out", dir.File("s.npz")));
    }
}
