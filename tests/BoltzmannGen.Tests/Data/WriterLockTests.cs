using System.Diagnostics;
using BoltzmannGen.Data;
using BoltzmannGen.Tests.Support;

namespace BoltzmannGen.Tests.Data;

public class WriterLockTests
{
    /// <summary>
    /// util-linux's flock(1) as another process asking for a shared lock (which only an exclusive one refuses): exit
    /// code 0 if it got it at once, 3 if it was refused.
    /// </summary>
    private static int FlockFromAnotherProcess(string lockPath)
    {
        var info = new ProcessStartInfo("/usr/bin/flock") { UseShellExecute = false };
        foreach (var a in new[] { "--shared", "--nonblock", "--conflict-exit-code", "3", lockPath, "true" }) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        Assert.True(p.WaitForExit(TimeSpan.FromSeconds(60)), "flock did not end");
        return p.ExitCode;
    }

    [Fact]
    public void The_lock_is_a_kernel_flock_beside_the_output_that_another_process_cannot_take_until_released()
    {
        Assert.True(File.Exists("/usr/bin/flock"), "util-linux flock(1) is needed for this test");
        using var dir = new TempDir();
        string output = dir.File("flow");
        string lockPath;
        using (var held = WriterLock.Acquire(output, "bgen train --out flow"))
        {
            lockPath = held.LockPath;
            Assert.Equal(dir.File(".flow.lock"), lockPath);
            Assert.False(Directory.Exists(output)); // the output need not exist, and taking its lock does not create it
            Assert.Equal(3, FlockFromAnotherProcess(lockPath));
            var owner = File.ReadAllLines(held.OwnerPath);
            Assert.Equal($"pid {Environment.ProcessId}", owner[0]);
            Assert.Equal("bgen train --out flow", owner[1]);
        }
        Assert.Equal(0, FlockFromAnotherProcess(lockPath));
        Assert.True(File.Exists(lockPath)); // the file stays; only the kernel's lock on it counts
        Assert.False(File.Exists(lockPath + ".owner"));
    }

    [Fact]
    public void One_process_holds_locks_on_a_run_folder_and_its_stage_outputs_but_not_twice_on_one_path()
    {
        using var dir = new TempDir();
        string run = dir.File("run");
        using var runLock = WriterLock.Acquire(run, "bgen run");
        using (WriterLock.Acquire(Path.Combine(run, "flow"), "bgen train"))
        using (WriterLock.Acquire(Path.Combine(run, "targets.npz"), "bgen targets"))
        {
            var e = Assert.Throws<InputException>(() => WriterLock.Acquire(run + "/", "bgen run"));
            Assert.Equal($"{run}/ is already being written by this bgen process (pid {Environment.ProcessId}).", e.Message);
        }
        // Released stage locks can be taken again, while the run's is still held.
        using (WriterLock.Acquire(Path.Combine(run, "flow"), "bgen train --resume")) { }
        Assert.Throws<InputException>(() => WriterLock.Acquire(run, "bgen run"));
    }

    [Fact]
    public void A_writer_that_may_wait_gets_the_lock_when_another_process_releases_it_and_is_refused_after_its_wait()
    {
        using var dir = new TempDir();
        string run = dir.File("run");
        string lockPath = WriterLock.LockPathOf(run);
        File.WriteAllText(lockPath, "");
        // Another process holds the lock for 1.5 s (flock(1), exclusive), as a stage job booking its stage would, and
        // records itself as a writer does.
        using var holder = Holder(lockPath, recordAfter: 0, holdFor: 1.5);
        while (!File.Exists(lockPath + ".owner")) Thread.Sleep(10); // until it holds it
        Assert.Contains("is being written by another bgen process", Assert.Throws<InputException>(() => WriterLock.Acquire(run, "bgen run")).Message);
        var clock = Stopwatch.StartNew();
        Assert.Contains("is being written by another bgen process",
            Assert.Throws<InputException>(() => WriterLock.Acquire(run, "bgen run", TimeSpan.FromSeconds(0.3))).Message);
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.3, 1.4);
        using (WriterLock.Acquire(run, "bgen run --stage flow", TimeSpan.FromSeconds(30)))
            Assert.InRange(clock.Elapsed.TotalSeconds, 1.0, 20); // after the holder let go
        holder.WaitForExit();
    }

    /// <summary>
    /// flock(1) holding <paramref name="lockPath"/> exclusively for <paramref name="holdFor"/> s, writing the owner record
    /// a writer writes ("pid N", its command line) <paramref name="recordAfter"/> s after taking it (never if negative).
    /// </summary>
    private static Process Holder(string lockPath, double recordAfter, double holdFor)
    {
        string record = recordAfter < 0 ? "" : $"sleep {recordAfter}; printf 'pid %s\\nflock holder\\n' $$ > '{lockPath}.owner.tmp' && mv '{lockPath}.owner.tmp' '{lockPath}.owner'; ";
        var info = new ProcessStartInfo("/usr/bin/flock") { UseShellExecute = false };
        foreach (var a in new[] { "--exclusive", lockPath, "sh", "-c", $"{record}sleep {holdFor}" }) info.ArgumentList.Add(a);
        return Process.Start(info)!;
    }

    /// <summary>
    /// Issue 20's pool trials: a second pool started 0.03 s after the first was refused as "its pid is not recorded yet",
    /// between the first's flock and its owner record. A refusal now waits that moment out and names the holder; one
    /// that never records itself is refused unnamed after a few seconds.
    /// </summary>
    [Theory]
    [InlineData(0.5, 0.2, 10)]
    [InlineData(-1, 2.5, 15)]
    public void A_refusal_waits_the_moment_a_new_holder_takes_to_record_itself_and_names_it(double recordAfter, double minSeconds, double maxSeconds)
    {
        using var dir = new TempDir();
        string output = dir.File("aldp");
        string lockPath = WriterLock.LockPathOf(output);
        File.WriteAllText(lockPath, "");
        using var holder = Holder(lockPath, recordAfter, holdFor: 20);
        while (FlockFromAnotherProcess(lockPath) == 0) Thread.Sleep(10); // it holds the lock, not yet recorded
        Assert.False(File.Exists(lockPath + ".owner"));
        var clock = Stopwatch.StartNew();
        var refused = Assert.Throws<InputException>(() => WriterLock.Acquire(output, "bgen pool --into aldp"));
        if (recordAfter >= 0)
            Assert.Matches($@"^{System.Text.RegularExpressions.Regex.Escape(output)} is being written by another bgen process \(pid [0-9]+: flock holder\)\.$", refused.Message);
        else Assert.Equal($"{output} is being written by another bgen process (its pid is not recorded yet).", refused.Message);
        Assert.InRange(clock.Elapsed.TotalSeconds, minSeconds, maxSeconds);
        holder.Kill(entireProcessTree: true);
        holder.WaitForExit();
    }

    [Fact]
    public void A_lock_file_and_owner_record_left_by_a_killed_process_block_nothing()
    {
        using var dir = new TempDir();
        string output = dir.File("aldp");
        File.WriteAllText(dir.File(".aldp.lock"), "");
        File.WriteAllText(dir.File(".aldp.lock.owner"), "pid 2147483646\nbgen pool --into aldp old\n");
        using var held = WriterLock.Acquire(output, "bgen pool --into aldp new");
        Assert.Equal($"pid {Environment.ProcessId}", File.ReadAllLines(held.OwnerPath)[0]);
    }
}

/// <summary>
/// What killed writers leave (issue 20, item 18: `*.tmp-*` from reweight and energy, 44 MB each, and `DS.new/` from
/// pool) is removed by the next writer of the same output, under its lock.
/// </summary>
public class StaleTemporaryTests
{
    [Fact]
    public void Taking_the_lock_removes_the_outputs_temporaries_and_unfinished_new_folder_and_nothing_else()
    {
        using var dir = new TempDir();
        string output = dir.File("samples.npz");
        File.WriteAllText(output, "kept");
        string[] stale = [output + ".tmp-0123456789ab", output + ".tmp-89abcdef", dir.File(".samples.npz.lock.owner.tmp-fedcba987654")];
        string[] kept = [output + ".tmp-notes", output + ".tmp-0123456789AB", dir.File("other.npz.tmp-0123456789ab"), dir.File("samples.npz.bak")];
        foreach (var f in stale.Concat(kept)) File.WriteAllText(f, "x");
        using (WriterLock.Acquire(output, "bgen reweight"))
        {
            Assert.All(stale, f => Assert.False(File.Exists(f), f));
            Assert.All(kept, f => Assert.True(File.Exists(f), f));
            Assert.Equal("kept", File.ReadAllText(output));
        }
    }

    [Fact]
    public void In_an_output_folder_the_temporaries_of_its_files_and_its_new_folders_go_unless_another_writer_holds_them()
    {
        using var dir = new TempDir();
        string dataset = dir.File("aldp");
        Directory.CreateDirectory(Path.Combine(dataset, "checkpoint"));
        Directory.CreateDirectory(Path.Combine(dataset, "checkpoint.new"));
        Directory.CreateDirectory(dataset + ".new");                       // a killed pool's replacement
        Directory.CreateDirectory(Path.Combine(dataset, "orphan.new"));    // no orphan/ beside it: may be the only copy
        File.WriteAllText(Path.Combine(dataset, "extra.npy.tmp-0123456789ab"), "x");
        File.WriteAllText(Path.Combine(dataset, "model.dat.tmp-01234567"), "x");
        File.WriteAllText(Path.Combine(dataset, "train.npy"), "data");
        // busy.npz is an output of its own, being written by another command (its temporary is in use).
        using var busy = WriterLock.Acquire(Path.Combine(dataset, "busy.npz"), "bgen sample");
        File.WriteAllText(Path.Combine(dataset, "busy.npz.tmp-0123456789ab"), "x");
        using (WriterLock.Acquire(dataset, "bgen pool --into aldp"))
        {
            Assert.False(Directory.Exists(dataset + ".new"));
            Assert.False(Directory.Exists(Path.Combine(dataset, "checkpoint.new")));
            Assert.False(File.Exists(Path.Combine(dataset, "extra.npy.tmp-0123456789ab")));
            Assert.False(File.Exists(Path.Combine(dataset, "model.dat.tmp-01234567")));
            Assert.True(File.Exists(Path.Combine(dataset, "busy.npz.tmp-0123456789ab")));
            Assert.True(Directory.Exists(Path.Combine(dataset, "orphan.new")));
            Assert.True(Directory.Exists(Path.Combine(dataset, "checkpoint")));
            Assert.Equal("data", File.ReadAllText(Path.Combine(dataset, "train.npy")));
        }
    }

    [Theory]
    [InlineData("samples.npz.tmp-0123456789ab", "samples.npz")]
    [InlineData("model.dat.tmp-01234567", "model.dat")]
    [InlineData(".x.lock.owner.tmp-0123456789ab", ".x.lock.owner")]
    [InlineData("samples.npz.tmp-0123456", null)]
    [InlineData("samples.npz.tmp-0123456789AB", null)]
    [InlineData("samples.npz", null)]
    [InlineData(".tmp-0123456789ab", null)]
    public void A_temporary_name_is_NAME_tmp_and_8_to_32_lower_case_hex_digits(string file, string? output)
    {
        Assert.Equal(output, WriterLock.TemporaryOf(file));
    }
}
