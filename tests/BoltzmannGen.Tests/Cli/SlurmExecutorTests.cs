using System.Diagnostics;
using System.Text.Json;
using BoltzmannGen.Cli;
using BoltzmannGen.Cli.Commands;
using BoltzmannGen.Cli.Pipeline;
using BoltzmannGen.Cli.Pipeline.Executors;
using BoltzmannGen.Data;
using BoltzmannGen.Tests.Support;

namespace BoltzmannGen.Tests.Cli;

/// <summary>
/// `bgen run --executor slurm` against fake Slurm commands (<see cref="FakeSlurm"/>): the sbatch scripts, their
/// dependencies, what a rerun submits, the status, and bad input that submits nothing. No cluster needed; the real
/// one is exercised by <see cref="SlurmClusterTests"/>.
/// </summary>
public class SlurmExecutorTests
{
    private static RunPlan Plan(string run, params string[] overrides) =>
        RunPlan.Create(new RunCommand.Settings { Preset = "smoke", Out = run, Overrides = overrides });

    private static string[] Smoke(string run, params string[] more) => ["run", "--preset", "smoke", "--out", run, "--executor", "slurm", .. more];

    /// <summary>What a job's script runs, word by word, as bash splits its exec line.</summary>
    private static string[] ExecWords(string script)
    {
        string exec = script.Split('\n').Single(l => l.StartsWith("exec ", StringComparison.Ordinal));
        var info = new ProcessStartInfo("/bin/bash") { UseShellExecute = false, RedirectStandardOutput = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("printf '%s\\n' " + exec["exec ".Length..]);
        using var p = Process.Start(info)!;
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return output.TrimEnd('\n').Split('\n');
    }

    /// <summary>Marks a stage done in the ledger with this plan's hash, its outputs present, as a finished job leaves it.</summary>
    private static void Finish(RunPlan plan, string name, string? job = null)
    {
        var stage = plan.Stage(name);
        foreach (var output in stage.Outputs)
            if (output.EndsWith(".npz", StringComparison.Ordinal)) File.WriteAllText(output, "");
            else Directory.CreateDirectory(output);
        plan.Ledger.MarkFinished(name, stage.Hash, 1.5, job);
    }

    private static string Job(RunPlan plan, string stage) => SlurmRecords.Read(plan.Ledger, stage)!.Job;

    [Fact]
    public void Each_unfinished_stage_is_an_sbatch_job_after_the_jobs_of_the_stages_it_reads_running_bgen_run_stage()
    {
        using var slurm = new FakeSlurm();
        using var dir = new TempDir();
        string run = dir.File("run dir"); // a space: quoted in #SBATCH lines and in the exec line
        var (code, output, error) = BgenProcess.Run(slurm.Environment, Smoke(run, "--partition", "debug", "--account", "lab", "--time", "00:30:00",
            "--cpus-per-task", "2", "--mem", "4G", "--sbatch-arg=--qos=long --nice=5", "sample.n=300"));
        Assert.True(code == 0, error + output);
        Assert.Contains("--test-only", slurm.SbatchCalls[0]); // checked with sbatch before the first submission
        var plan = Plan(run, "sample.n=300");
        Assert.Equal(plan.Stages.Count, slurm.Submissions.Count);
        Assert.Equal(["teacher", "targets", "flow", "finetune", "sample", "reweight", "report", "smc", "smc-report"], plan.Stages.Select(s => s.Name));
        var expectedAfter = new Dictionary<string, string?>
        {
            ["teacher"] = null, ["targets"] = "teacher", ["flow"] = "targets", ["finetune"] = "flow", ["sample"] = "finetune",
            ["reweight"] = "sample", ["report"] = "reweight", ["smc"] = "finetune", ["smc-report"] = "smc",
        };
        for (int k = 0; k < plan.Stages.Count; k++)
        {
            var stage = plan.Stages[k];
            var record = SlurmRecords.Read(plan.Ledger, stage.Name)!;
            Assert.Equal((100 + k).ToString(System.Globalization.CultureInfo.InvariantCulture), record.Job); // submitted in plan order
            Assert.Equal(stage.Hash, record.Hash);
            Assert.Equal(Path.Combine(run, "logs", $"{stage.Name}-{record.Job}.out"), record.Log);
            var call = slurm.Submissions[k];
            Assert.Equal(record.Script, call[^1]);
            string? after = expectedAfter[stage.Name];
            Assert.Equal(after is null ? [] : [Job(plan, after)], record.After);
            Assert.Equal(after is null ? [] : [$"--dependency=afterok:{Job(plan, after)}"], call.Where(a => a.StartsWith("--dependency", StringComparison.Ordinal)));

            string script = slurm.Script(record.Job);
            Assert.Equal(File.ReadAllText(record.Script), script);
            Assert.StartsWith("#!/bin/bash\n", script);
            foreach (var directive in new[]
                     {
                         $"--job-name=\"bgen-run dir-{stage.Name}\"", $"--output=\"{run}/logs/{stage.Name}-%j.out\"", $"--chdir={Environment.CurrentDirectory}",
                         "--kill-on-invalid-dep=yes", "--partition=debug", "--account=lab", "--time=00:30:00", "--cpus-per-task=2", "--mem=4G",
                         "--qos=long", "--nice=5",
                     })
                Assert.Contains($"\n#SBATCH {directive}\n", script);
            Assert.Contains($"#   {stage.CommandLine}\n", script); // the stage's own command, for the reader
            var words = ExecWords(script);
            Assert.Equal(BgenProcess.Executable, words[0]);
            var parsed = Assert.IsType<RunCommand.Settings>(BgenApp.Parse(words[1..]));
            Assert.Equal(stage.Name, parsed.Stage);
            Assert.Equal(run, parsed.Out);
            Assert.Equal("smoke", parsed.Preset);
            Assert.Equal(["sample.n=300"], parsed.Overrides);
            Assert.Equal(ExecutorSettings.Local, parsed.Executor); // the job runs its stage itself
            Assert.Null(parsed.Partition);
            Assert.Empty(parsed.SbatchArgs);
            // The job plans the very same stage.
            Assert.Equal(stage.Hash, RunPlan.Create(parsed).Stage(stage.Name).Hash);
        }
        Assert.Contains("Submitted 9 stages to partition debug: 100 101 102 103 104 105 106 107 108", output);
        Assert.True(File.Exists(Path.Combine(run, "run.yaml")));
        Assert.True(Directory.Exists(Path.Combine(run, "logs")));
    }

    [Fact]
    public void A_rerun_skips_done_stages_keeps_queued_jobs_and_resubmits_failed_cancelled_and_forgotten_ones()
    {
        using var slurm = new FakeSlurm();
        using var dir = new TempDir();
        string run = dir.File("run");
        Assert.Equal(0, BgenProcess.Run(slurm.Environment, Smoke(run)).Code);
        var plan = Plan(run);
        Finish(plan, "teacher", "100");
        slurm.SetState("100", "COMPLETED");
        slurm.SetState("101", "RUNNING");

        // Queued or running: nothing is submitted twice.
        var (code, output, error) = BgenProcess.Run(slurm.Environment, Smoke(run));
        Assert.True(code == 0, error);
        Assert.Equal(9, slurm.Submissions.Count);
        Assert.Contains("Nothing submitted", output);
        Assert.Matches(@"targets\s+│\s*101\s*│\s*│\s*running, not submitted again", output);

        // targets failed; its dependents were cancelled, except one a cluster left pending forever.
        Finish(plan, "targets", null);
        File.Delete(Path.Combine(run, "targets.npz")); // done in the ledger but its output is gone: runs again
        slurm.SetState("101", "FAILED", "NonZeroExitCode");
        foreach (var job in new[] { "102", "103", "105", "106", "107", "108" }) slurm.SetState(job, "CANCELLED", "DependencyNeverSatisfied");
        slurm.SetState("104", "PENDING", "DependencyNeverSatisfied");
        (code, output, error) = BgenProcess.Run(slurm.Environment, Smoke(run));
        Assert.True(code == 0, error);
        var again = slurm.Submissions.Skip(9).ToList();
        Assert.Equal(8, again.Count); // all but the teacher
        Assert.Equal("109", Job(plan, "targets"));
        Assert.DoesNotContain(again[0], a => a.StartsWith("--dependency", StringComparison.Ordinal)); // the teacher is done
        Assert.Contains("--dependency=afterok:109", again[1]); // flow after the new targets job
        Assert.Equal(["104"], slurm.Cancelled); // the job that could never run is taken out of the queue
        Assert.Contains("submitted again (was failed)", output);
        Assert.Equal("100", plan.Ledger.Finished("teacher")!.SlurmJob); // untouched

        // A job Slurm no longer remembers, without a done record: submitted again, after the running one before it.
        Finish(plan, "targets", "109");
        slurm.SetState("109", "COMPLETED");
        slurm.SetState("110", "RUNNING"); // flow
        foreach (var job in new[] { "111", "113", "114", "115", "116" }) slurm.SetState(job, "CANCELLED", "DependencyNeverSatisfied");
        SlurmRecords.Write(plan.Ledger, SlurmRecords.Read(plan.Ledger, "sample")! with { Job = "5" }); // unknown to squeue
        (code, output, error) = BgenProcess.Run(slurm.Environment, Smoke(run));
        Assert.True(code == 0, error);
        var third = slurm.Submissions.Skip(17).ToList();
        Assert.Equal(["finetune", "sample", "reweight", "report", "smc", "smc-report"], third.Select(c => Path.GetFileNameWithoutExtension(c[^1])));
        Assert.Contains("--dependency=afterok:110", third[0]);
        Assert.Contains("--dependency=afterok:117", third[1]);
        Assert.Matches(@"flow\s+│\s*110\s*│\s*│\s*running, not submitted again", output);
    }

    [Fact]
    public void A_job_waits_for_every_unfinished_stage_before_it_even_through_a_done_one()
    {
        using var slurm = new FakeSlurm();
        using var dir = new TempDir();
        string run = dir.File("run");
        var plan = Plan(run);
        // flow is done but targets is not (its output was deleted): finetune, which reads flow, must still wait for
        // targets' job, or it could start while targets runs again.
        Finish(plan, "teacher");
        Finish(plan, "flow");
        var (code, _, error) = BgenProcess.Run(slurm.Environment, Smoke(run));
        Assert.True(code == 0, error);
        Assert.Null(SlurmRecords.Read(plan.Ledger, "flow"));
        Assert.Equal([Job(plan, "targets")], SlurmRecords.Read(plan.Ledger, "finetune")!.After);
    }

    public static TheoryData<string, string[], string> BadInput() => new()
    {
        { "no sbatch", ["--executor", "slurm"], "error: --executor slurm: sbatch is not on PATH; run on a Slurm login node (or load its module) — nothing was submitted." },
        { "", ["--executor", "slurm", "--partition", "gpu"], "error: --partition gpu: no such Slurm partition (partitions: debug) — nothing was submitted." },
        { "no default", ["--executor", "slurm"], "error: --executor slurm: the cluster has no default partition; choose one with --partition (partitions: long) — nothing was submitted." },
        { "refuse", ["--executor", "slurm", "--account", "nobody"], "error: --executor slurm: sbatch refuses the jobs: Invalid account or account/partition combination specified — nothing was submitted." },
        { "", ["--executor", "slurm", "device=cuda"], "error: device cuda with --executor slurm: the jobs get no GPU unless they ask for one; add --sbatch-arg=--gres=gpu:1 (or --gpus=1) — nothing was submitted." },
        { "two nodes", ["--executor", "slurm"], "is on node-local storage, which the jobs on the 2 nodes of partition debug cannot see; use a shared file system — nothing was submitted." },
        { "", ["--partition", "debug", "--mem", "4G"], "error: --partition, --mem: Slurm options; add --executor slurm." },
        { "", ["--executor", "slurm", "--stage", "flow"], "error: --stage runs one stage here (it is what each Slurm job runs); it cannot be combined with --executor slurm." },
        { "", ["--executor", "pbs"], "error: --executor pbs is unknown; use local or slurm." },
        { "", ["--executor", "slurm", "--time", "1h"], "error: --time 1h: not a Slurm time; use HH:MM:SS, MM, MM:SS, D-HH, D-HH:MM or D-HH:MM:SS." },
        { "", ["--executor", "slurm", "--mem", "lots"], "error: --mem lots: not a size; use e.g. 4000, 4000M, 8G or 1T." },
        { "", ["--executor", "slurm", "--sbatch-arg=--output=x.log"], "error: --sbatch-arg --output=x.log: bgen sets --output itself for every job." },
        { "", ["--executor", "slurm", "--sbatch-arg=-Jname"], "error: --sbatch-arg -Jname: bgen sets -J itself for every job." },
        { "", ["--executor", "slurm", "--cpus-per-task", "0"], "error: --cpus-per-task must be at least 1 (got 0)." },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public void Bad_input_ends_in_one_error_line_with_exit_code_2_and_submits_and_writes_nothing(string cluster, string[] options, string message)
    {
        using var slurm = new FakeSlurm(cluster switch
        {
            "no default" => "PartitionName=long Default=NO State=UP TotalNodes=4",
            "two nodes" => "PartitionName=debug Default=YES State=UP TotalNodes=2",
            _ => "PartitionName=debug Default=YES State=UP TotalNodes=1",
        });
        if (cluster == "refuse") slurm.Refuse("Invalid account or account/partition combination specified");
        using var dir = new TempDir();
        string run = dir.File("run");
        var environment = cluster == "no sbatch" ? new Dictionary<string, string?> { ["PATH"] = dir.Path } : slurm.Environment;
        var (code, output, error) = BgenProcess.Run(environment, ["run", "--preset", "smoke", "--out", run, .. options]);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Single(error.Trim().Split('\n'));
        if (message.StartsWith("error: ", StringComparison.Ordinal)) Assert.Equal(message, error.Trim());
        else Assert.StartsWith($"error: --out {run} is on node-local", error.Trim());
        Assert.EndsWith(message, error.Trim());
        Assert.Empty(slurm.Submissions);
        Assert.False(Directory.Exists(run));
    }

    [Fact]
    public void A_gpu_device_is_accepted_when_the_jobs_ask_for_a_gpu()
    {
        using var slurm = new FakeSlurm();
        using var dir = new TempDir();
        var (code, _, error) = BgenProcess.Run(slurm.Environment, Smoke(dir.File("run"), "--sbatch-arg=--gres=gpu:1", "device=cuda"));
        Assert.True(code == 0, error);
        Assert.Contains("\n#SBATCH --gres=gpu:1\n", slurm.Script("100"));
    }

    [Fact]
    public void Queued_jobs_of_other_options_and_a_local_run_are_refused_by_name_and_a_local_run_refuses_queued_jobs()
    {
        using var slurm = new FakeSlurm();
        using var dir = new TempDir();
        string run = dir.File("run");
        Assert.Equal(0, BgenProcess.Run(slurm.Environment, Smoke(run)).Code);
        slurm.SetState("100", "RUNNING");

        // The same folder with other options while its jobs are queued: they would write the same outputs.
        var (code, _, error) = BgenProcess.Run(slurm.Environment, Smoke(run, "flow.steps=21"));
        Assert.Equal(2, code);
        Assert.Equal($"error: {run} has Slurm jobs queued or running with other options: flow (job 102, PENDING), finetune (job 103, PENDING), " +
                     "sample (job 104, PENDING), reweight (job 105, PENDING), report (job 106, PENDING), smc (job 107, PENDING), smc-report (job 108, PENDING); " +
                     "wait for them or scancel them — nothing was submitted.", error.Trim());

        // A local run while they are queued.
        (code, _, error) = BgenProcess.Run(slurm.Environment, "run", "--preset", "smoke", "--out", run);
        Assert.Equal(2, code);
        Assert.StartsWith($"error: {run} has Slurm jobs queued or running: teacher (job 100, running), targets (job 101, pending), flow (job 102, pending)", error.Trim());
        Assert.Contains("a local `bgen run` would write it at the same time", error);
        Assert.Single(error.Trim().Split('\n'));

        // Submitting while a local run holds the folder: refused by name after a short wait (a stage job books its stage in a moment).
        foreach (var job in Enumerable.Range(100, 9)) slurm.SetState(job.ToString(System.Globalization.CultureInfo.InvariantCulture), "CANCELLED");
        using (WriterLock.Acquire(run, "bgen run --preset smoke --out run"))
        {
            var clock = Stopwatch.StartNew();
            (code, _, error) = BgenProcess.Run(slurm.Environment, Smoke(run));
            Assert.Equal(2, code);
            Assert.Equal($"error: {run} is being written by another bgen process (pid {Environment.ProcessId}: bgen run --preset smoke --out run).", error.Trim());
            Assert.InRange(clock.Elapsed.TotalSeconds, SlurmExecutor.LockWait.TotalSeconds, 120);
        }
        Assert.Equal(9, slurm.Submissions.Count);
    }

    [Fact]
    public void A_submission_failing_midway_cancels_what_it_queued_and_forgets_it()
    {
        using var slurm = new FakeSlurm();
        using var dir = new TempDir();
        string run = dir.File("run");
        slurm.FailFrom(103);
        var (code, _, error) = BgenProcess.Run(slurm.Environment, Smoke(run));
        Assert.Equal(2, code);
        Assert.Equal("error: sbatch refused finetune.sbatch: Batch job submission failed: fake failure", error.Trim());
        Assert.Equal(["100", "101", "102"], slurm.Cancelled);
        Assert.Empty(SlurmRecords.All(new StageLedger(run)));
    }

    [Fact]
    public void The_status_shows_done_running_pending_failed_with_the_end_of_its_log_and_the_dependents_it_stopped()
    {
        using var slurm = new FakeSlurm();
        using var dir = new TempDir();
        string run = dir.File("run");
        Assert.Equal(0, BgenProcess.Run(slurm.Environment, Smoke(run)).Code);
        var plan = Plan(run);
        Finish(plan, "teacher", "100");
        slurm.SetState("100", "COMPLETED");
        slurm.SetState("101", "RUNNING");
        slurm.SetState("102", "PENDING", "Dependency");
        File.WriteAllLines(Path.Combine(run, "logs", "targets-101.out"), ["bgen targets --kind reflow", "reflow: chunk 1/4\rreflow: chunk 2/4"]);
        var rows = RunStatus.Rows(plan, new SlurmClient(slurm.Bin)).ToDictionary(r => r.Stage);
        Assert.Equal(("done", "100"), (rows["teacher"].State, rows["teacher"].Job));
        Assert.Equal(("running", "101"), (rows["targets"].State, rows["targets"].Job));
        Assert.Equal("for 0:42: reflow: chunk 2/4", rows["targets"].Detail);
        Assert.Equal("pending", rows["flow"].State);
        Assert.Equal("waiting: for the stages before it", rows["flow"].Detail);

        slurm.SetState("101", "FAILED", "NonZeroExitCode");
        slurm.SetExit("101", "2:0");
        File.AppendAllText(Path.Combine(run, "logs", "targets-101.out"), "error: stage targets failed: the teacher folder is damaged\n");
        foreach (var job in new[] { "102", "103", "104", "105", "106", "107", "108" }) slurm.SetState(job, "CANCELLED", "DependencyNeverSatisfied");
        rows = RunStatus.Rows(plan, new SlurmClient(slurm.Bin)).ToDictionary(r => r.Stage);
        Assert.Equal(("failed", "failed (exit code 2)"), (rows["targets"].State, rows["targets"].Detail));
        Assert.Equal(Path.Combine(run, "logs", "targets-101.out"), rows["targets"].Log);
        foreach (var stage in new[] { "flow", "smc-report" })
        {
            Assert.Equal("cancelled", rows[stage].State);
            Assert.Equal("never ran: a stage it needs did not finish (targets, job 101 failed)", rows[stage].Detail);
        }

        // The command line: the same table, and the log's last lines (progress rewritten with \r shows its last state).
        var (code, output, error) = BgenProcess.Run(slurm.Environment, "run", "--status", "--out", run);
        Assert.True(code == 0, error);
        Assert.Contains("failed (exit code 2)", output);
        Assert.Contains("reflow: chunk 2/4\n", output);
        Assert.DoesNotContain("chunk 1/4", output);
        Assert.Contains("error: stage targets failed: the teacher folder is damaged", output);
    }

    [Fact]
    public void A_stage_alone_runs_through_the_ledger_records_its_slurm_job_and_refuses_to_run_before_the_stages_it_needs()
    {
        using var dir = new TempDir();
        string run = dir.File("run");
        var (code, output, error) = BgenProcess.Run("run", "--preset", "smoke", "--out", run, "--stage", "targets");
        Assert.Equal(2, code);
        Assert.Equal($"error: stage targets needs teacher, not done (for these options) in {run}; run the whole `bgen run`, or those stages first.", error.Trim());
        (code, _, error) = BgenProcess.Run("run", "--preset", "smoke", "--out", run, "--stage", "nope");
        Assert.Equal(2, code);
        Assert.Equal("error: --stage nope: this run has no such stage; its stages: teacher, targets, flow, finetune, sample, reweight, report, smc, smc-report.", error.Trim());

        var job = new Dictionary<string, string?> { ["SLURM_JOB_ID"] = "777", ["PATH"] = dir.Path };
        (code, output, error) = BgenProcess.Run(job, "run", "--preset", "smoke", "--out", run, "--stage", "teacher");
        Assert.True(code == 0, error + output);
        var plan = Plan(run);
        Assert.Contains("(Slurm job 777)", output);
        Assert.Contains(plan.Stage("teacher").CommandLine + "\n", output); // the stage's own command, on one line
        Assert.Equal("777", plan.Ledger.Finished("teacher")!.SlurmJob);
        Assert.Equal(plan.Stage("teacher").Hash, plan.Ledger.Finished("teacher")!.Hash);
        Assert.True(plan.IsDone(plan.Stage("teacher")));
        Assert.False(Directory.Exists(Path.Combine(run, "flow")));
        (code, output, _) = BgenProcess.Run(job, "run", "--preset", "smoke", "--out", run, "--stage", "teacher");
        Assert.Equal(0, code);
        Assert.Contains("done earlier", output);
        // A local whole run continues from there: the teacher stays as the job left it.
        string record = File.ReadAllText(Path.Combine(plan.Ledger.Folder, "teacher.done.json"));
        Assert.Contains("\"slurm_job\": \"777\"", record);
    }

    [Fact]
    public void The_status_of_a_run_folder_alone_reads_the_options_it_was_started_with()
    {
        using var slurm = new FakeSlurm();
        using var dir = new TempDir();
        string run = dir.File("run");
        Assert.Equal(0, BgenProcess.Run(slurm.Environment, Smoke(run, "flow.steps=21", "--forcefields", FixturePath.Repository("forcefields"))).Code);
        var (code, output, error) = BgenProcess.Run(slurm.Environment, "run", "--status", "--out", run);
        Assert.True(code == 0, error);
        Assert.Matches(@"flow\s+│\s*pending\s*│\s*102", output); // not "stale": the same options as the submission
        (code, _, error) = BgenProcess.Run(slurm.Environment, "run", "--status", "--out", dir.File("none"));
        Assert.Equal(2, code);
        Assert.Equal($"error: --out {dir.File("none")}: no run there (no .stages/run-command.json); give the run's options with --status.", error.Trim());
    }

    /// <summary>A repository without a shipped aldp dataset, so the plan simulates one: its force field and a smoke config with MD.</summary>
    internal static (string ForceFields, string Config) RepositoryWithoutData(TempDir dir, string simulate)
    {
        string forceFields = Path.Combine(dir.Path, "repo", "forcefields");
        Directory.CreateDirectory(Path.Combine(forceFields, "aldp"));
        foreach (var file in Directory.GetFiles(FixturePath.Repository(Path.Combine("forcefields", "aldp"))))
            File.Copy(file, Path.Combine(forceFields, "aldp", Path.GetFileName(file)));
        string config = Path.Combine(dir.Path, "repo", "md.yaml");
        File.WriteAllText(config, File.ReadAllText(FixturePath.Repository(Path.Combine("configs", "presets", "smoke.yaml"))) + "simulate:\n" + simulate);
        return (forceFields, config);
    }

    [Fact]
    public void Md_runs_of_several_seeds_are_one_array_job_and_the_pool_waits_for_all_of_them()
    {
        using var slurm = new FakeSlurm();
        using var dir = new TempDir();
        var (forceFields, config) = RepositoryWithoutData(dir, "  ns: 0.1\n  seeds: 11,12,13,14\n");
        string run = dir.File("run");
        string[] md = ["run", "--config", config, "--forcefields", forceFields, "--out", run, "--executor", "slurm"];
        var (code, output, error) = BgenProcess.Run(slurm.Environment, md);
        Assert.True(code == 0, error + output);
        var plan = RunPlan.Create(new RunCommand.Settings { Config = config, ForceFields = forceFields, Out = run });
        Assert.Equal(["dataset", "md-s12", "md-s13", "md-s14", "pool", "teacher"], plan.Stages.Take(6).Select(s => s.Name));
        Assert.Equal(["100_0", "100_1", "100_2", "100_3"], plan.Stages.Take(4).Select(s => Job(plan, s.Name)));
        var array = slurm.Script("100");
        Assert.Contains("\n#SBATCH --array=0-3\n", array);
        Assert.Contains($"\n#SBATCH --output={run}/logs/md-%A_%a.out\n", array);
        Assert.Contains("\nstages=(dataset md-s12 md-s13 md-s14)\n", array);
        Assert.EndsWith("--stage \"${stages[$SLURM_ARRAY_TASK_ID]}\" --config " + config + " --out " + run + " --forcefields " + forceFields + "\n", array);
        Assert.Contains("--seed 13", array); // each task's own command, for the reader
        Assert.Equal($"{run}/logs/md-100_2.out", SlurmRecords.Read(plan.Ledger, "md-s13")!.Log);
        Assert.Equal(["100_0", "100_1", "100_2", "100_3"], SlurmRecords.Read(plan.Ledger, "pool")!.After);
        Assert.Equal(["101"], SlurmRecords.Read(plan.Ledger, "teacher")!.After);
        Assert.Equal(plan.Stages.Count - 3, slurm.Submissions.Count); // 4 stages in one job

        // One task failed (its pool and everything after it cancelled): only it is submitted again, as an array of one.
        foreach (var (job, stage) in new[] { ("100_0", "dataset"), ("100_1", "md-s12"), ("100_3", "md-s14") })
        {
            slurm.SetState(job, "COMPLETED");
            Finish(plan, stage, job);
        }
        slurm.SetState("100_2", "FAILED", "NonZeroExitCode");
        foreach (var job in Enumerable.Range(101, 10)) slurm.SetState(job.ToString(System.Globalization.CultureInfo.InvariantCulture), "CANCELLED", "DependencyNeverSatisfied");
        (code, output, error) = BgenProcess.Run(slurm.Environment, md);
        Assert.True(code == 0, error + output);
        Assert.Equal("111_0", Job(plan, "md-s13"));
        Assert.Contains("\n#SBATCH --array=0-0\n", slurm.Script("111"));
        Assert.Contains("\nstages=(md-s13)\n", slurm.Script("111"));
        Assert.Equal(["111_0"], SlurmRecords.Read(plan.Ledger, "pool")!.After);

        // The pending array's tasks as squeue lists them before they start: 111_[0-3] → each task.
        Assert.Equal(["7_0", "7_1", "7_2", "7_5"], SlurmClient.Expand("7_[0-2,5%2]"));
        Assert.Equal(["7_3"], SlurmClient.Expand("7_3"));
    }

    [Fact]
    public void Sample_and_reweight_shards_are_two_array_jobs_and_the_merge_waits_for_every_reweighted_shard()
    {
        using var slurm = new FakeSlurm();
        using var dir = new TempDir();
        string run = dir.File("run");
        var (code, output, error) = BgenProcess.Run(slurm.Environment, Smoke(run, "sample.shards=3"));
        Assert.True(code == 0, error + output);
        var plan = Plan(run, "sample.shards=3");
        // teacher 100, targets 101, flow 102, finetune 103, then the arrays.
        Assert.Equal(["104_0", "104_1", "104_2"], new[] { "sample-0", "sample-1", "sample-2" }.Select(s => Job(plan, s)));
        Assert.Equal(["105_0", "105_1", "105_2"], new[] { "reweight-0", "reweight-1", "reweight-2" }.Select(s => Job(plan, s)));
        Assert.Equal(["103"], SlurmRecords.Read(plan.Ledger, "sample-1")!.After);
        Assert.Equal(["104_0", "104_1", "104_2"], SlurmRecords.Read(plan.Ledger, "reweight-1")!.After); // an array waits for all it needs
        Assert.Equal(["105_0", "105_1", "105_2"], SlurmRecords.Read(plan.Ledger, "merge")!.After);
        Assert.Equal(["106"], SlurmRecords.Read(plan.Ledger, "report")!.After);
        Assert.Contains("\nstages=(sample-0 sample-1 sample-2)\n", slurm.Script("104"));
        Assert.Contains("\n#SBATCH --output=" + run + "/logs/reweight-%A_%a.out\n", slurm.Script("105"));
    }
}
