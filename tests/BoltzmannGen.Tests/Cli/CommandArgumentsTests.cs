using System.Text.Json;
using BoltzmannGen.Cli;
using BoltzmannGen.Cli.Commands;
using BoltzmannGen.Cli.Pipeline;
using BoltzmannGen.Tests.Support;

namespace BoltzmannGen.Tests.Cli;

/// <summary>
/// A stage of `bgen run` is a typed settings object; its printed command line must mean exactly those settings:
/// parse(render(options)) == options, checked through the real command tree (BgenApp.Parse).
/// </summary>
public class CommandArgumentsTests
{
    private static string Repository => FixturePath.Repository("");

    public static TheoryData<string, string> Plans() => new()
    {
        { "smoke", "" }, { "quick", "" }, { "full", "" },
        { "smoke", "targets.kind=ot" }, { "smoke", "flow.objective=mle" }, { "quick", "smc.enabled=true" },
        { "smoke", "data=/nonexistent/dataset" }, // no dataset: the plan starts with a simulate stage
        { "smoke", "data=/nonexistent/dataset simulate.seeds=3,4,5" }, // MD runs of three seeds, then bgen pool
        { "smoke", "sample.shards=4 reweight.clip_top=0.002" }, // sample and reweight shards, then bgen merge
        { "quick", "targets.shards=3" }, // reflow parts, then the targets stage assembles them
        { "smoke", "smc.shards=3" }, // independent SMC runs, then bgen merge
        { "smoke", "simulate.temperatures=300,330,365 reweight.clip_top=0.002 label=x y" },
    };

    private static IReadOnlyList<PipelineStage> Plan(string preset, string overrides)
    {
        var list = overrides.Length == 0 ? [] : overrides.Split(' ').ToList();
        if (list.Contains("label=x")) { list.Remove("label=x"); list.Remove("y"); list.Add("label=x y"); }
        string? data = list.FirstOrDefault(o => o.StartsWith("data=", StringComparison.Ordinal));
        if (data is not null) list.Remove(data);
        var config = RunConfig.Load(Path.Combine(Repository, "configs", "presets", preset + ".yaml"), list);
        string repositoryData = data is null ? Path.Combine(Repository, "data", config.System) : data[5..];
        return PipelinePlan.Build(config, "/tmp/run dir", repositoryData, data is null ? null : "/tmp/force fields");
    }

    private static string Json(object settings) => JsonSerializer.Serialize(settings, settings.GetType());

    [Theory]
    [MemberData(nameof(Plans))]
    public void Every_planned_stage_parses_back_into_its_own_settings(string preset, string overrides)
    {
        var stages = Plan(preset, overrides);
        Assert.NotEmpty(stages);
        foreach (var stage in stages)
        {
            foreach (var command in stage.Resumable ? [stage.Command, stage.Command.Resumed()] : new[] { stage.Command })
            {
                var parsed = BgenApp.Parse(command.Arguments);
                Assert.Equal(command.Options.GetType(), parsed.GetType());
                Assert.Equal(Json(command.Options), Json(parsed));
            }
        }
    }

    [Fact]
    public void The_plan_starts_with_md_when_there_is_no_dataset_and_names_every_non_default_option()
    {
        var stages = Plan("smoke", "data=/nonexistent/dataset");
        Assert.Equal("dataset", stages[0].Name);
        var simulate = (SimulateCommand.Settings)stages[0].Command.Options;
        Assert.Equal("/tmp/run dir/data", simulate.Out);
        Assert.Equal("/tmp/force fields", simulate.ForceFields);
        var args = stages[0].Arguments.ToList();
        Assert.Equal("simulate", args[0]);
        Assert.Equal("/tmp/run dir/data", args[args.IndexOf("--out") + 1]);
        Assert.Contains("\"/tmp/run dir/data\"", stages[0].CommandLine); // quoted where it holds a space
        Assert.DoesNotContain("--platform", args); // at its default: left out
    }

    [Fact]
    public void A_resumed_stage_differs_only_by_resume()
    {
        var flow = Plan("smoke", "").Single(s => s.Name == "flow");
        var resumed = flow.Command.Resumed();
        Assert.False(((TrainCommand.Settings)flow.Command.Options).Resume);
        Assert.True(((TrainCommand.Settings)resumed.Options).Resume);
        Assert.Equal([.. flow.Command.Arguments, "--resume"], resumed.Arguments);
    }

    [Fact]
    public void Doubles_keep_every_bit_through_the_command_line()
    {
        var settings = new ReweightCommand.Settings { System = "aldp", Samples = "s.npz", ClipTop = 0.1 + 0.2 };
        var args = (string[])["reweight", .. CommandArguments.Render(settings)];
        var parsed = (ReweightCommand.Settings)BgenApp.Parse(args);
        Assert.Equal(BitConverter.DoubleToInt64Bits(0.1 + 0.2), BitConverter.DoubleToInt64Bits(parsed.ClipTop!.Value));
    }

    [Fact]
    public void A_slurm_jobs_bgen_run_stage_parses_back_into_the_same_run_without_executor_options_and_plans_the_same_stage()
    {
        var settings = new RunCommand.Settings
        {
            Config = Path.GetRelativePath(Environment.CurrentDirectory, Path.Combine(Repository, "configs", "presets", "smoke.yaml")), Out = "runs/x y",
            System = "aldp", Objective = "fort", ForceFields = Path.GetRelativePath(Environment.CurrentDirectory, Path.Combine(Repository, "forcefields")),
            Overrides = ["label=x y", "flow.steps=21"], Executor = "slurm", Partition = "p", Account = "a", Time = "1:00:00", CpusPerTask = 2, Mem = "1G",
            SbatchArgs = ["--qos=q"],
        };
        var args = BoltzmannGen.Cli.Pipeline.Executors.SlurmScript.JobArguments(settings, "flow");
        var parsed = Assert.IsType<RunCommand.Settings>(BgenApp.Parse(args));
        var expected = new RunCommand.Settings
        {
            Config = settings.Config, Out = "runs/x y", System = "aldp", Objective = "fort", ForceFields = settings.ForceFields,
            Overrides = ["label=x y", "flow.steps=21"], Stage = "flow",
        };
        Assert.Equal(Json(expected), Json(parsed));
        // Relative paths stay as given (the job starts in the submitter's folder): the job plans the stage with the same hash.
        Assert.Equal(BoltzmannGen.Cli.Pipeline.RunPlan.Create(settings).Stage("flow").Hash, BoltzmannGen.Cli.Pipeline.RunPlan.Create(parsed).Stage("flow").Hash);
    }
}
