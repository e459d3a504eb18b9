using System.Diagnostics;
using System.Globalization;
using BoltzmannGen.Cli.Commands;
using BoltzmannGen.Cli.Pipeline;
using BoltzmannGen.Cli.Pipeline.Executors;
using BoltzmannGen.Sampling;
using BoltzmannGen.Tests.Support;
using Xunit.Abstractions;

namespace BoltzmannGen.Tests.Cli;

/// <summary>
/// `bgen run --executor slurm` on a real Slurm cluster (tools/slurm_start.sh: one node, this machine): every stage a
/// job, in dependency order, a second invocation submits nothing, a stage cancelled or killed mid-way is submitted
/// again and continues from its checkpoint. Skipped where no cluster runs. The tests of this class run one after
/// the other (one xunit collection), so their jobs do not compete for the node.
/// </summary>
public class SlurmClusterTests : IDisposable
{
    private readonly ITestOutputHelper log;
    private readonly TempDir dir = new();

    public SlurmClusterTests(ITestOutputHelper log)
    {
        this.log = log;
        SlurmFactAttribute.RequireCluster();
    }

    /// <summary>Cancels the jobs a failed test left queued or running, then deletes its run folders.</summary>
    public void Dispose()
    {
        var jobs = Directory.GetDirectories(dir.Path).SelectMany(run => SlurmRecords.All(new StageLedger(run))).Select(r => r.Job.Split('_')[0]).Distinct().ToList();
        if (jobs.Count > 0) SlurmFactAttribute.Run("scancel", [.. jobs]);
        dir.Dispose();
        GC.SuppressFinalize(this);
    }

    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(20);

    private static string[] Smoke(string run, params string[] more) => ["run", "--preset", "smoke", "--out", run, "--executor", "slurm", .. more];

    private static RunPlan Plan(string run, params string[] overrides) =>
        RunPlan.Create(new RunCommand.Settings { Preset = "smoke", Out = run, Overrides = overrides });

    private static string Job(RunPlan plan, string stage) => SlurmRecords.Read(plan.Ledger, stage)!.Job;

    /// <summary>`scontrol show job -o ID` as key → value.</summary>
    private static Dictionary<string, string> Show(string job)
    {
        var (code, output) = SlurmFactAttribute.Run("scontrol", "show", "job", "-o", job);
        Assert.True(code == 0, $"scontrol show job {job}: {output}");
        return output.Trim().Split(' ').Select(t => t.Split('=', 2)).Where(kv => kv.Length == 2).GroupBy(kv => kv[0]).ToDictionary(g => g.Key, g => g.First()[1]);
    }

    private static string State(string job) => Show(job)["JobState"];

    private static DateTime Time(string value) => DateTime.ParseExact(value, "yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);

    private static string Status(string run) => BgenProcess.Run("run", "--status", "--out", run).Out;

    /// <summary>Polls until <paramref name="condition"/> holds; fails with the run's status when time runs out.</summary>
    private static void WaitUntil(Func<bool> condition, string what, string run, TimeSpan? patience = null)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > (patience ?? Patience)) Assert.Fail($"no {what} within {(patience ?? Patience).TotalMinutes} min:\n{Status(run)}");
            Thread.Sleep(1000);
        }
    }

    /// <summary>Waits until every stage is done; fails at once, with the status, when a job of the run ends without its stage done.</summary>
    private static void WaitForTheRun(RunPlan plan)
    {
        WaitUntil(() =>
        {
            if (plan.Stages.All(plan.IsDone)) return true;
            var failed = plan.Stages.Where(s => !plan.IsDone(s) && SlurmRecords.Read(plan.Ledger, s.Name) is { } r && State(r.Job) is "FAILED" or "CANCELLED" or "TIMEOUT")
                .Select(s => s.Name).ToList();
            Assert.True(failed.Count == 0, $"stages {string.Join(", ", failed)} failed:\n{Status(plan.RunDirectory)}");
            return false;
        }, "finished run", plan.RunDirectory);
    }

    [SlurmFact]
    public void The_smoke_pipeline_runs_every_stage_as_a_slurm_job_in_dependency_order_and_a_second_invocation_submits_nothing()
    {
        string run = dir.File("run");
        var clock = Stopwatch.StartNew();
        var (code, output, error) = BgenProcess.Run(Smoke(run));
        Assert.True(code == 0, error + output);
        log.WriteLine($"submitted in {clock.Elapsed.TotalSeconds:F1} s:\n{output}");
        var plan = Plan(run);
        var jobs = plan.Stages.ToDictionary(s => s.Name, s => Job(plan, s.Name));

        WaitForTheRun(plan);
        log.WriteLine($"all stages done {clock.Elapsed.TotalSeconds:F0} s after submission");
        log.WriteLine(Status(run));
        foreach (var stage in plan.Stages)
        {
            // Ran as its own Slurm job, which finished it (the ledger records the job), and printed its command.
            Assert.Equal(jobs[stage.Name], plan.Ledger.Finished(stage.Name)!.SlurmJob);
            var job = Show(jobs[stage.Name]);
            Assert.Equal("COMPLETED", job["JobState"]);
            Assert.Equal($"bgen-run-{stage.Name}", job["JobName"]);
            Assert.Contains(stage.CommandLine + "\n", File.ReadAllText(Path.Combine(run, "logs", $"{stage.Name}-{jobs[stage.Name]}.out")));
            // In dependency order: it started only after every stage it reads from had ended.
            foreach (var need in plan.Needs(stage))
                Assert.True(Time(job["StartTime"]) >= Time(Show(jobs[need.Name])["EndTime"]), $"{stage.Name} started before {need.Name} ended");
        }
        Assert.True(File.Exists(Path.Combine(run, "report", "report.json")));
        Assert.True(File.Exists(Path.Combine(run, "report", "report.html")));
        Assert.True(File.Exists(Path.Combine(run, "report-smc", "report.json")));

        // Again: every stage is done; nothing is submitted.
        (code, output, error) = BgenProcess.Run(Smoke(run));
        Assert.True(code == 0, error);
        Assert.Contains("Nothing submitted: every stage is done, queued or running.", output);
        Assert.Equal(jobs, plan.Stages.ToDictionary(s => s.Name, s => Job(plan, s.Name)));
        var (_, queued) = SlurmFactAttribute.Run("squeue", "-h", "-o", "%j");
        Assert.DoesNotContain("bgen-run-", queued);
        Assert.DoesNotContain("failed", Status(run));
    }

    [SlurmFact]
    public void A_stage_cancelled_mid_way_is_submitted_again_by_a_rerun_and_continues_from_its_checkpoint()
    {
        string run = dir.File("run");
        // The smoke preset checkpoints every 10 steps. 2,000 steps (about 25 s) keep the flow job running while this
        // test asks for the refusal and cancels it, even when the test process is starved beside other work (600 did not).
        string[] longFlow = ["flow.steps=2000"];
        Assert.Equal(0, BgenProcess.Run(Smoke(run, longFlow)).Code);
        var plan = Plan(run, longFlow);
        string flow = Job(plan, "flow");
        WaitUntil(() => State(flow) == "RUNNING" && Directory.Exists(Path.Combine(run, "flow", "checkpoint")), "flow checkpoint", run);
        var before = plan.Ledger.Finished("targets")!;
        // While its jobs are queued or running, a local run of the folder is refused by name. (Checked here, where the
        // flow job runs until it is cancelled: the smoke run's jobs can all finish before a second process asks.)
        var (refused, _, refusal) = BgenProcess.Run(["run", "--preset", "smoke", "--out", run, .. longFlow]);
        Assert.Equal(2, refused);
        Assert.Contains($"error: {run} has Slurm jobs queued or running: flow (job {flow}, running)", refusal);

        Assert.Equal(0, SlurmFactAttribute.Run("scancel", flow).Code);
        WaitUntil(() => State(flow) == "CANCELLED" && State(Job(plan, "smc-report")) == "CANCELLED", "cancelled flow and dependents", run, TimeSpan.FromMinutes(2));
        log.WriteLine(Status(run));
        var rows = RunStatus.Rows(plan, new SlurmClient()).ToDictionary(r => r.Stage);
        Assert.Equal(("cancelled", flow), (rows["flow"].State, rows["flow"].Job));
        Assert.Equal(("cancelled", $"never ran: a stage it needs did not finish (flow, job {flow} cancelled)"), (rows["finetune"].State, rows["finetune"].Detail));

        var (code, output, error) = BgenProcess.Run(Smoke(run, longFlow));
        Assert.True(code == 0, error);
        log.WriteLine(output);
        Assert.Matches(@"targets\s+│\s*—\s*│\s*│\s*done earlier, skipped", output);
        string again = Job(plan, "flow");
        Assert.NotEqual(flow, again);
        WaitForTheRun(plan);
        Assert.Contains("--resume", File.ReadAllText(Path.Combine(run, "logs", $"flow-{again}.out"))); // from its checkpoint
        Assert.Equal((before.FinishedUtc, before.SlurmJob), (plan.Ledger.Finished("targets")!.FinishedUtc, plan.Ledger.Finished("targets")!.SlurmJob)); // not done again
        Assert.Equal(again, plan.Ledger.Finished("flow")!.SlurmJob);
        Assert.True(File.Exists(Path.Combine(run, "report", "report.json")));
    }

    [SlurmFact]
    public void A_stage_killed_mid_way_fails_its_dependents_the_status_says_which_and_why_and_a_rerun_completes()
    {
        string run = dir.File("run");
        string[] longFlow = ["flow.steps=2000"];
        Assert.Equal(0, BgenProcess.Run(Smoke(run, longFlow)).Code);
        var plan = Plan(run, longFlow);
        string flow = Job(plan, "flow");
        WaitUntil(() => State(flow) == "RUNNING" && Directory.Exists(Path.Combine(run, "flow", "checkpoint")), "flow checkpoint", run);

        // kill -9 of the job's process (bgen run --stage flow): the job fails.
        var (_, pids) = SlurmFactAttribute.Run("scontrol", "listpids", flow);
        int pid = pids.Split('\n').Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(f => f.Length > 0)
            .Select(f => int.Parse(f[0], CultureInfo.InvariantCulture)).First();
        Process.GetProcessById(pid).Kill();
        WaitUntil(() => State(flow) == "FAILED" && State(Job(plan, "report")) == "CANCELLED", "failed flow, cancelled dependents", run, TimeSpan.FromMinutes(2));
        string status = Status(run);
        log.WriteLine(status);
        var rows = RunStatus.Rows(plan, new SlurmClient()).ToDictionary(r => r.Stage);
        Assert.Equal(("failed", flow, "failed (killed by signal 9)"), (rows["flow"].State, rows["flow"].Job, rows["flow"].Detail));
        Assert.Equal(Path.Combine(run, "logs", $"flow-{flow}.out"), rows["flow"].Log);
        foreach (var stage in new[] { "finetune", "sample", "smc", "report" })
            Assert.Equal(("cancelled", $"never ran: a stage it needs did not finish (flow, job {flow} failed)"), (rows[stage].State, rows[stage].Detail));
        Assert.Contains("flow: the last lines of", status);
        string last = RunStatus.Tail(rows["flow"].Log!, 1)[0];
        Assert.Contains(last[..Math.Min(40, last.Length)], status); // the end of its log

        var (code, _, error) = BgenProcess.Run(Smoke(run, longFlow));
        Assert.True(code == 0, error);
        WaitForTheRun(plan);
        Assert.Contains("--resume", File.ReadAllText(Path.Combine(run, "logs", $"flow-{Job(plan, "flow")}.out")));
        Assert.True(File.Exists(Path.Combine(run, "report", "report.json")));
    }

    [SlurmFact]
    public void Md_of_four_seeds_runs_as_one_array_job_pools_and_the_run_goes_on_from_the_pooled_dataset()
    {
        var (forceFields, config) = SlurmExecutorTests.RepositoryWithoutData(dir, "  ns: 0.1\n  seeds: 11,12,13,14\n");
        string run = dir.File("run");
        var clock = Stopwatch.StartNew();
        var (code, output, error) = BgenProcess.Run(["run", "--config", config, "--forcefields", forceFields, "--out", run, "--executor", "slurm"]);
        Assert.True(code == 0, error + output);
        log.WriteLine(output);
        var plan = RunPlan.Create(new RunCommand.Settings { Config = config, ForceFields = forceFields, Out = run });
        WaitForTheRun(plan);
        log.WriteLine($"all stages done {clock.Elapsed.TotalSeconds:F0} s after submission");
        log.WriteLine(Status(run));
        var md = new[] { "dataset", "md-s12", "md-s13", "md-s14" };
        string array = Job(plan, "dataset").Split('_')[0];
        Assert.Equal(md.Select((_, k) => $"{array}_{k}"), md.Select(s => Job(plan, s)));
        var tasks = md.Select(s => Show(Job(plan, s))).ToList();
        Assert.All(tasks, t => Assert.Equal(("COMPLETED", "bgen-run-md"), (t["JobState"], t["JobName"])));
        var pool = Show(Job(plan, "pool"));
        Assert.All(tasks, t => Assert.True(Time(pool["StartTime"]) >= Time(t["EndTime"]), "pool started before an MD run ended"));
        using var meta = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "data", "meta.json")));
        Assert.Equal([12, 13, 14], meta.RootElement.GetProperty("extra_runs").EnumerateArray().Select(r => r.GetProperty("seed").GetInt32()));
        Assert.Equal(11, meta.RootElement.GetProperty("seed").GetInt32());
        Assert.True(File.Exists(Path.Combine(run, "report", "report.json")));
    }

    [SlurmFact]
    public void Four_sample_shards_run_side_by_side_and_merge_to_the_report_of_a_local_run_with_the_same_seeds()
    {
        string[] shards = ["sample.shards=4", "sample.n=400", "reweight.clip_top=0.01"];
        string run = dir.File("run");
        var clock = Stopwatch.StartNew();
        var (code, output, error) = BgenProcess.Run(Smoke(run, shards));
        Assert.True(code == 0, error + output);
        log.WriteLine(output);
        var plan = Plan(run, shards);
        WaitForTheRun(plan);
        log.WriteLine($"all stages done {clock.Elapsed.TotalSeconds:F0} s after submission");
        string array = Job(plan, "sample-0").Split('_')[0];
        Assert.Equal(Enumerable.Range(0, 4).Select(k => $"{array}_{k}"), Enumerable.Range(0, 4).Select(k => Job(plan, $"sample-{k}")));
        var merge = Show(Job(plan, "merge"));
        foreach (var k in Enumerable.Range(0, 4))
            Assert.True(Time(merge["StartTime"]) >= Time(Show(Job(plan, $"reweight-{k}"))["EndTime"]), "merge started before a shard was reweighted");

        // The same options in one local process: the same samples, weights and figures.
        string local = dir.File("local");
        (code, _, error) = BgenProcess.Run(["run", "--preset", "smoke", "--out", local, .. shards]);
        Assert.True(code == 0, error);
        var a = SampleFile.Read(Path.Combine(run, "samples.npz"));
        var b = SampleFile.Read(Path.Combine(local, "samples.npz"));
        foreach (var name in new[] { "positions", "log_q", "energy", "log_w", "log_w_clipped" })
            Assert.Equal(b.Arrays[name].Data.Cast<object>(), a.Arrays[name].Data.Cast<object>());
        using var slurmReport = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "report", "report.json")));
        using var localReport = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(local, "report", "report.json")));
        foreach (var property in localReport.RootElement.EnumerateObject().Where(p => p.Name is not ("timings" or "efficiency")))
            Assert.Equal(property.Value.GetRawText(), slurmReport.RootElement.GetProperty(property.Name).GetRawText());
    }

    [SlurmFact]
    public void Without_sbatch_on_path_or_with_an_unknown_partition_the_run_ends_in_one_error_line_and_submits_nothing()
    {
        string run = dir.File("run-" + Guid.NewGuid().ToString("N")[..8]);
        var (code, output, error) = BgenProcess.Run(new Dictionary<string, string?> { ["PATH"] = dir.Path }, Smoke(run));
        Assert.Equal((2, ""), (code, output));
        Assert.Equal("error: --executor slurm: sbatch is not on PATH; run on a Slurm login node (or load its module) — nothing was submitted.", error.Trim());

        (code, output, error) = BgenProcess.Run(Smoke(run, "--partition", "no-such-partition"));
        Assert.Equal((2, ""), (code, output));
        Assert.StartsWith("error: --partition no-such-partition: no such Slurm partition (partitions: ", error.Trim());
        Assert.Single(error.Trim().Split('\n'));
        Assert.False(Directory.Exists(run));
        var (_, queued) = SlurmFactAttribute.Run("squeue", "-h", "-t", "all", "-o", "%j");
        Assert.DoesNotContain($"bgen-{Path.GetFileName(run)}-", queued);
    }
}
