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
}
