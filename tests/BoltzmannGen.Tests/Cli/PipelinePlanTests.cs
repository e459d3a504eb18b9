using BoltzmannGen.Cli.Pipeline;
using BoltzmannGen.Tests.Support;

namespace BoltzmannGen.Tests.Cli;

public class PipelinePlanTests
{
    private static string Repository => Path.GetFullPath(Path.Combine(EnergyFixtures.Catalog.ForceFieldsDirectory, ".."));
    private static string Smoke => Path.Combine(Repository, "configs", "presets", "smoke.yaml");

    private static Dictionary<string, string> Hashes(params string[] overrides)
    {
        var config = RunConfig.Load(Smoke, overrides);
        return PipelinePlan.Build(config, "/tmp/run", Path.Combine(Repository, "data", "aldp"), null).ToDictionary(s => s.Name, s => s.Hash);
    }

    [Fact]
    public void A_changed_option_reruns_its_stage_and_everything_downstream_only()
    {
        var before = Hashes();
        Assert.Equal(["teacher", "targets", "flow", "finetune", "sample", "reweight", "report", "smc", "smc-report"], before.Keys);
        var after = Hashes("flow.steps=21");
        Assert.Equal(before["teacher"], after["teacher"]);
        Assert.Equal(before["targets"], after["targets"]);
        foreach (var stage in new[] { "flow", "finetune", "sample", "reweight", "report", "smc", "smc-report" }) Assert.NotEqual(before[stage], after[stage]);
        var teacher = Hashes("teacher.hidden=17");
        Assert.All(before.Keys, stage => Assert.NotEqual(before[stage], teacher[stage]));
        Assert.Equal(before, Hashes()); // deterministic
    }

    [Fact]
    public void Mle_skips_teacher_and_targets_and_ot_skips_the_teacher()
    {
        Assert.Equal(["flow", "sample", "reweight", "report"], Hashes("flow.objective=mle", "finetune.enabled=false", "smc.enabled=false").Keys);
        Assert.Equal(["targets", "flow", "finetune", "sample", "reweight", "report"], Hashes("targets.kind=ot", "smc.enabled=false").Keys);
    }

    [Fact]
    public void Ot_pairs_are_capped_at_the_training_frames_of_the_dataset()
    {
        var config = RunConfig.Load(Smoke, ["targets.kind=ot", "targets.pairs=1000000"]);
        var targets = PipelinePlan.Build(config, "/tmp/run", Path.Combine(Repository, "data", "al4"), null).Single(s => s.Name == "targets");
        int train = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(Repository, "data", "al4", "meta.json")))
            .RootElement.GetProperty("frames").GetProperty("train").GetInt32();
        var args = targets.Arguments.ToList();
        Assert.Equal(train.ToString(System.Globalization.CultureInfo.InvariantCulture), args[args.IndexOf("--pairs") + 1]);
        Assert.Contains("capped", targets.Description);
    }

    [Fact]
    public void Fine_tuning_runs_after_the_flow_and_feeds_sampling_and_the_report()
    {
        var config = RunConfig.Load(Smoke, []);
        var stages = PipelinePlan.Build(config, "/tmp/run", Path.Combine(Repository, "data", "aldp"), null);
        var finetune = stages.Single(s => s.Name == "finetune");
        Assert.Equal("/tmp/run/flow", finetune.Arguments[finetune.Arguments.ToList().IndexOf("--model") + 1]);
        foreach (var name in new[] { "sample", "report" })
        {
            var args = stages.Single(s => s.Name == name).Arguments.ToList();
            Assert.Equal("/tmp/run/finetuned", args[args.IndexOf("--model") + 1]);
        }
        // A fine-tuning option reruns fine-tuning and what follows, never the flow.
        var before = Hashes();
        var after = Hashes("finetune.steps=5");
        Assert.Equal(before["flow"], after["flow"]);
        foreach (var stage in new[] { "finetune", "sample", "reweight", "report" }) Assert.NotEqual(before[stage], after[stage]);
        Assert.DoesNotContain("finetune", Hashes("finetune.enabled=false").Keys);
    }

    [Fact]
    public void A_bad_fine_tuning_option_is_refused_when_the_config_is_read_before_any_stage()
    {
        Assert.Contains("unknown key 'stepz'", Assert.Throws<InputException>(() => RunConfig.Load(Smoke, ["finetune.stepz=5"])).Message);
        Assert.Contains("every objective weight is zero",
            Assert.Throws<InputException>(() => RunConfig.Load(Smoke, ["finetune.reweighted_ml=0", "finetune.reverse_kl=0"])).Message);
        Assert.Contains("finetune.enabled", Assert.Throws<InputException>(() => RunConfig.Load(Smoke, ["finetune.enabled=maybe"])).Message);
    }

    [Fact]
    public void Smc_is_an_optional_stage_from_the_fine_tuned_model_with_a_report_of_its_own()
    {
        Assert.DoesNotContain("smc", Hashes("smc.enabled=false").Keys);
        var config = RunConfig.Load(Smoke, ["smc.enabled=true", "smc.n=64", "smc.steps=3"]);
        var stages = PipelinePlan.Build(config, "/tmp/run", Path.Combine(Repository, "data", "aldp"), null);
        Assert.Equal(["teacher", "targets", "flow", "finetune", "sample", "reweight", "report", "smc", "smc-report"], stages.Select(s => s.Name));
        var smc = stages.Single(s => s.Name == "smc").Arguments.ToList();
        Assert.Equal("/tmp/run/finetuned", smc[smc.IndexOf("--model") + 1]);
        Assert.Equal(64, ((BoltzmannGen.Cli.Commands.SmcCommand.Settings)stages.Single(s => s.Name == "smc").Command.Options).Count);
        var report = stages.Single(s => s.Name == "smc-report").Arguments.ToList();
        Assert.Equal("/tmp/run/smc.npz", report[report.IndexOf("--samples") + 1]);
        // The importance-sampling stages do not depend on SMC settings.
        Assert.Equal(Hashes()["report"], stages.Single(s => s.Name == "report").Hash);
        Assert.Contains("smc.kernel", Assert.Throws<InputException>(() => RunConfig.Load(Smoke, ["smc.enabled=true", "smc.kernel=hmc2"])).Message);
    }

    [Theory]
    [InlineData("flow.stepz=5", "unknown key 'stepz'")]
    [InlineData("flow.steps=0", "flow section: steps must be at least 1")]
    [InlineData("flow.arch=foo", "flow.arch 'foo' is unknown")]
    [InlineData("flow.layers=0", "flow section: layers must be at least 1")]
    [InlineData("teacher.steps=0", "teacher section:")]
    [InlineData("teacher.netz=mlp", "unknown key 'netz'")]
    public void A_bad_teacher_or_flow_option_is_refused_when_the_config_is_read_before_any_stage(string setting, string message)
    {
        Assert.Contains(message, Assert.Throws<InputException>(() => RunConfig.Load(Smoke, [setting])).Message);
    }

    [Fact]
    public void Unknown_keys_and_bad_values_are_refused_by_name()
    {
        Assert.Contains("targets.kind", Assert.Throws<InputException>(() => RunConfig.Load(Smoke, ["targets.kind=magic"])).Message);
        Assert.Contains("unknown key 'nonsense'", Assert.Throws<InputException>(() => RunConfig.Load(Smoke, ["sample.nonsense=1"])).Message);
        Assert.Contains("is a value, not a section", Assert.Throws<InputException>(() => RunConfig.Load(Smoke, ["system.x=1"])).Message);
    }

    [Fact]
    public void Md_seeds_plan_independent_runs_then_a_pool_that_training_waits_for_and_a_new_seed_list_simulates_the_dataset_again()
    {
        IReadOnlyList<PipelineStage> Plan(string seeds) =>
            PipelinePlan.Build(RunConfig.Load(Smoke, [$"simulate.seeds={seeds}", "simulate.ns=0.1"]), "/tmp/run", "/nonexistent/data/aldp", null);
        var stages = Plan("11,12,13");
        Assert.Equal(["dataset", "md-s12", "md-s13", "pool", "teacher"], stages.Take(5).Select(s => s.Name));
        Assert.Equal(["md", "md", "md", null], stages.Take(4).Select(s => s.Group));
        Assert.All(stages.Take(3), s => Assert.Empty(PipelinePlan.Needs(stages, s)));
        Assert.Equal(["dataset", "md-s12", "md-s13"], PipelinePlan.Needs(stages, stages[3]).Select(s => s.Name));
        Assert.Equal(["pool"], PipelinePlan.Needs(stages, stages[4]).Select(s => s.Name));
        Assert.Equal("bgen simulate --system aldp --ns 0.1 --out /tmp/run/md/s13 --seed 13", stages[2].CommandLine);
        Assert.Equal("bgen pool --into /tmp/run/data /tmp/run/md/s12 /tmp/run/md/s13", stages[3].CommandLine);
        var more = Plan("11,12,13,14");
        Assert.NotEqual(stages[0].Hash, more[0].Hash); // the pooled dataset is simulated again, not pooled twice
        Assert.Equal(stages[1].Hash, more[1].Hash); // the other runs stay
        Assert.Equal(["dataset"], Plan("11").Take(2).Select(s => s.Name).Where(n => n != "teacher"));
        Assert.Contains("every seed once", Assert.Throws<InputException>(() => RunConfig.Load(Smoke, ["simulate.seeds=1,2,1"])).Message);
        Assert.Contains("whole numbers", Assert.Throws<InputException>(() => RunConfig.Load(Smoke, ["simulate.seeds=1;2"])).Message);
    }

    [Fact]
    public void Sample_shards_draw_with_their_own_seeds_are_reweighted_alone_and_merged_before_the_report()
    {
        var config = RunConfig.Load(Smoke, ["sample.shards=3", "sample.n=256", "reweight.clip_top=0.002"]);
        var stages = PipelinePlan.Build(config, "/tmp/run", Path.Combine(Repository, "data", "aldp"), null);
        Assert.Equal(["finetune", "sample-0", "sample-1", "sample-2", "reweight-0", "reweight-1", "reweight-2", "merge", "report"],
            stages.Select(s => s.Name).Skip(3).Take(9));
        var samples = stages.Where(s => s.Name.StartsWith("sample-", StringComparison.Ordinal)).Select(s => (BoltzmannGen.Cli.Commands.SampleCommand.Settings)s.Command.Options).ToList();
        Assert.Equal([86, 85, 85], samples.Select(s => s.Count));
        Assert.Equal([3000, 3001, 3002], samples.Select(s => s.Seed));
        Assert.All(stages.Where(s => s.Group is "sample"), s => Assert.Equal(["finetune"], PipelinePlan.Needs(stages, s).Select(n => n.Name)));
        Assert.Equal(["sample-1"], PipelinePlan.Needs(stages, stages.Single(s => s.Name == "reweight-1")).Select(n => n.Name));
        var merge = stages.Single(s => s.Name == "merge");
        Assert.Equal(["reweight-0", "reweight-1", "reweight-2"], PipelinePlan.Needs(stages, merge).Select(n => n.Name));
        Assert.Equal("bgen merge --out /tmp/run/samples.npz --clip-top 0.002 /tmp/run/shards/sample-0.npz /tmp/run/shards/sample-1.npz /tmp/run/shards/sample-2.npz",
            merge.CommandLine);
        Assert.Equal(["merge"], PipelinePlan.Needs(stages, stages.Single(s => s.Name == "report")).Select(n => n.Name));
        Assert.Contains("sample.shards", Assert.Throws<InputException>(() => RunConfig.Load(Smoke, ["sample.shards=0"])).Message);
        Assert.Contains("at least 2 samples per shard", Assert.Throws<InputException>(() => RunConfig.Load(Smoke, ["sample.shards=200", "sample.n=256"])).Message);
    }

    [Fact]
    public void Reflow_parts_make_every_kth_chunk_after_the_teacher_and_the_targets_stage_assembles_them()
    {
        var config = RunConfig.Load(Smoke, ["targets.shards=3", "targets.pairs=2500"]);
        var stages = PipelinePlan.Build(config, "/tmp/run", Path.Combine(Repository, "data", "aldp"), null);
        Assert.Equal(["teacher", "targets-0", "targets-1", "targets-2", "targets", "flow"], stages.Select(s => s.Name).Take(6));
        var parts = stages.Where(s => s.Group is "targets").ToList();
        Assert.Equal(3, parts.Count);
        Assert.All(parts, s => Assert.Equal(["teacher"], PipelinePlan.Needs(stages, s).Select(n => n.Name)));
        Assert.All(parts, s => Assert.Empty(s.Outputs)); // a part writes chunks only; a rerun of the targets stage keeps them
        Assert.Equal("bgen targets --system aldp --kind reflow --pairs 2500 --seed 2 --out /tmp/run/targets.npz --teacher /tmp/run/teacher " +
                     "--solver euler --steps 4 --part 1 --parts 3 --device cpu", parts[1].CommandLine);
        var assemble = stages.Single(s => s.Name == "targets");
        Assert.Equal(["targets-0", "targets-1", "targets-2"], PipelinePlan.Needs(stages, assemble).Select(n => n.Name));
        Assert.EndsWith("--resume", assemble.CommandLine);
        Assert.Equal(["targets"], PipelinePlan.Needs(stages, stages.Single(s => s.Name == "flow")).Select(n => n.Name));
        // 2,500 pairs are 3 chunks of 1,000: no more parts than chunks; OT has no chunks.
        Assert.Contains("targets.shards must be 1 to 3", Assert.Throws<InputException>(() => RunConfig.Load(Smoke, ["targets.shards=4", "targets.pairs=2500"])).Message);
        Assert.Contains("reflow only", Assert.Throws<InputException>(() => RunConfig.Load(Smoke, ["targets.shards=2", "targets.pairs=2500", "targets.kind=ot"])).Message);
    }

    [Fact]
    public void Smc_shards_are_independent_runs_with_their_own_seeds_merged_before_the_smc_report()
    {
        var config = RunConfig.Load(Smoke, ["smc.enabled=true", "smc.shards=3", "smc.n=100"]);
        var stages = PipelinePlan.Build(config, "/tmp/run", Path.Combine(Repository, "data", "aldp"), null);
        var runs = stages.Where(s => s.Group is "smc").ToList();
        Assert.Equal(["smc-0", "smc-1", "smc-2"], runs.Select(s => s.Name));
        var settings = runs.Select(s => (BoltzmannGen.Cli.Commands.SmcCommand.Settings)s.Command.Options).ToList();
        Assert.Equal([34, 33, 33], settings.Select(s => s.Count));
        Assert.Equal([config.Smc.Seed * 1000, config.Smc.Seed * 1000 + 1, config.Smc.Seed * 1000 + 2], settings.Select(s => s.Seed));
        Assert.All(runs, s => Assert.Equal(["finetune"], PipelinePlan.Needs(stages, s).Select(n => n.Name)));
        var merge = stages.Single(s => s.Name == "smc");
        Assert.Equal("bgen merge --out /tmp/run/smc.npz /tmp/run/shards/smc-0.npz /tmp/run/shards/smc-1.npz /tmp/run/shards/smc-2.npz", merge.CommandLine);
        Assert.Equal(["smc"], PipelinePlan.Needs(stages, stages.Single(s => s.Name == "smc-report")).Select(n => n.Name));
        Assert.Contains("smc.shards must be 1 to 50", Assert.Throws<InputException>(() => RunConfig.Load(Smoke, ["smc.enabled=true", "smc.shards=51", "smc.n=100"])).Message);
    }

    [Fact]
    public void A_stage_whose_input_stage_ran_again_since_is_no_longer_done()
    {
        using var dir = new TempDir();
        string run = dir.File("run");
        var plan = RunPlan.Create(new BoltzmannGen.Cli.Commands.RunCommand.Settings { Preset = "smoke", Out = run });
        Directory.CreateDirectory(Path.Combine(run, "teacher"));
        File.WriteAllText(Path.Combine(run, "targets.npz"), "");
        var teacher = plan.Stage("teacher");
        var targets = plan.Stage("targets");
        plan.Ledger.MarkFinished("teacher", teacher.Hash, 1);
        plan.Ledger.MarkFinished("targets", targets.Hash, 1, inputs: plan.Inputs(targets));
        Assert.True(plan.IsDone(targets));
        Thread.Sleep(5);
        plan.Ledger.MarkFinished("teacher", teacher.Hash, 1); // the teacher ran again (its folder had been lost, say)
        Assert.True(plan.IsDone(teacher));
        Assert.False(plan.IsDone(targets));
    }
}
