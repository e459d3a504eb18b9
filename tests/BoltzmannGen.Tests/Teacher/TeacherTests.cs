using BoltzmannGen.Data;
using BoltzmannGen.Flows;
using BoltzmannGen.Optimisation;
using BoltzmannGen.Targets;
using BoltzmannGen.Teacher.Networks;
using BoltzmannGen.Teacher.Ode;
using BoltzmannGen.Teacher;
using BoltzmannGen.Tests.Support;
using static TorchSharp.torch;

namespace BoltzmannGen.Tests.Teacher;

/// <summary>
/// v(x, t) = a·P x, P the projection that removes the centre (as every teacher network's output is made mean-free):
/// the flow is x1 = e^a·x0 on mean-free states, so every density is known in closed form.
/// </summary>
internal sealed class LinearVelocity(int atoms, double a) : VelocityNetwork("linear", atoms)
{
    public override string Architecture => "linear";
    public override Tensor forward(Tensor x, Tensor t) => MeanFreeFlat(x.reshape(x.shape[0], Atoms, 3)) * a;
}

public class TeacherTests
{
    private static BoltzmannGen.Systems.PeptideSystem Aldp => EnergyFixtures.System("aldp");

    [Fact]
    public void Teacher_log_q_of_samples_is_the_analytic_density_of_physical_coordinates()
    {
        // x1 = e^a·x0 with x0 ~ mean-free N(0, I), positions = s·x1: a mean-free Gaussian with σ = s·e^a per
        // coordinate over 3N−3 dimensions, so log q = −|x|²/(2σ²) − (3N−3)(log σ + ½ log 2π).
        const double a = 0.3, s = 0.25;
        int atoms = 22, dof = 3 * atoms - 3;
        using var model = new TeacherModel(new LinearVelocity(atoms, a), s);
        var options = new CnfOptions { Solver = "rk4", Steps = 40 };
        var (x, logQ) = model.Sample(50, new Generator(3), options);
        double sigma = s * Math.Exp(a);
        var pos = x.to(float64).reshape(50, -1);
        var expected = -(pos * pos).sum([1]) / (2 * sigma * sigma) - dof * (Math.Log(sigma) + 0.5 * Math.Log(2 * Math.PI));
        var e = expected.data<double>().ToArray();
        var got = logQ.data<double>().ToArray();
        for (int i = 0; i < 50; i++) Assert.Equal(e[i], got[i], 2);
        // …and integrating backwards from the positions gives the same density.
        var back = model.LogQ(x, options).data<double>().ToArray();
        for (int i = 0; i < 50; i++) Assert.Equal(e[i], back[i], 2);
    }

    [Fact]
    public void Reflow_targets_resume_from_their_chunks_and_match_a_fresh_run()
    {
        using var model = new TeacherModel(new LinearVelocity(22, 0.5), 0.3);
        var options = new CnfOptions { Solver = "rk4", Steps = 8 };
        using var a = new TempDir();
        using var b = new TempDir();
        var fresh = new ReflowTargets(model, options, seed: 7, chunkSize: 16).Generate(40, a.Path, "linear");
        var first = new ReflowTargets(model, options, seed: 7, chunkSize: 16).Generate(40, b.Path, "linear");
        File.Delete(Directory.GetFiles(b.Path, "chunk-00001-*.npz").Single()); // as if killed before the second chunk was written
        File.WriteAllText(Directory.GetFiles(b.Path, "chunk-00002-*.npz").Single(), "damaged");
        var resumed = new ReflowTargets(model, options, seed: 7, chunkSize: 16).Generate(40, b.Path, "linear");
        Assert.Equal(fresh.X0, resumed.X0);
        Assert.Equal(fresh.X1, resumed.X1);
        Assert.Equal(first.X1, resumed.X1);
        // The linear field's exact solution: x1 = e^a·x0 (RK4 with 8 steps is accurate to ~1e-7 here).
        double g = Math.Exp(0.5);
        for (int i = 0; i < fresh.X0.Length; i += 97) Assert.Equal(g * fresh.X0[i], fresh.X1[i], 4);
        // Prior draws are mean-free.
        for (int p = 0; p < 40; p++)
            for (int c = 0; c < 3; c++)
                Assert.Equal(0, Enumerable.Range(0, 22).Sum(k => (double)fresh.X0[p * 66 + 3 * k + c]), 4);
    }

    [Fact]
    public void Reflow_parts_made_apart_assemble_to_the_pairs_of_one_process()
    {
        using var model = new TeacherModel(new LinearVelocity(22, 0.5), 0.3);
        var options = new CnfOptions { Solver = "rk4", Steps = 4 };
        using var one = new TempDir();
        using var split = new TempDir();
        var whole = new ReflowTargets(model, options, seed: 5, chunkSize: 8).Generate(30, one.Path, "linear");
        // 4 chunks (8, 8, 8, 6 pairs) in 3 parts: chunks {0, 3}, {1}, {2}.
        var reflow = new ReflowTargets(model, options, seed: 5, chunkSize: 8);
        Assert.Equal([2, 1, 1], Enumerable.Range(0, 3).Select(k => reflow.MakePart(30, k, 3, split.Path, "linear")).ToArray());
        Assert.Equal([14, 8, 8], Enumerable.Range(0, 3).Select(k => reflow.PairsOfPart(30, k, 3)).ToArray());
        var stamps = Directory.GetFiles(split.Path, "chunk-*.npz").ToDictionary(f => f, File.GetLastWriteTimeUtc);
        Assert.Equal(4, stamps.Count);
        var assembled = reflow.Generate(30, split.Path, "linear");
        Assert.Equal(whole.X0, assembled.X0);
        Assert.Equal(whole.X1, assembled.X1);
        // Assembling read the parts' chunks rather than making them again.
        Assert.All(stamps, kv => Assert.Equal(kv.Value, File.GetLastWriteTimeUtc(kv.Key)));
    }

    [Fact]
    public void Chunks_made_from_another_teacher_or_seed_are_made_again_not_reused()
    {
        using var model = new TeacherModel(new LinearVelocity(22, 0.5), 0.3);
        using var other = new TeacherModel(new LinearVelocity(22, -0.5), 0.3);
        var options = new CnfOptions { Solver = "rk4", Steps = 4 };
        using var dir = new TempDir();
        using var fresh = new TempDir();
        new ReflowTargets(other, options, seed: 5, chunkSize: 8).MakePart(20, 0, 2, dir.Path, "teacher B");
        new ReflowTargets(model, options, seed: 6, chunkSize: 8).MakePart(20, 1, 2, dir.Path, "teacher A");
        // Part 0 of teacher A must not take teacher B's chunk 0, which lies in the same folder.
        var expected = new ReflowTargets(model, options, seed: 6, chunkSize: 8).Generate(20, fresh.Path, "teacher A");
        new ReflowTargets(model, options, seed: 6, chunkSize: 8).MakePart(20, 0, 2, dir.Path, "teacher A");
        var resumedA = new ReflowTargets(model, options, seed: 6, chunkSize: 8).Generate(20, dir.Path, "teacher A");
        Assert.Equal(expected.X1, resumedA.X1);
        // Another seed in the same folder: every chunk made again, and assembling alone removes the others.
        var seed7 = new ReflowTargets(model, options, seed: 7, chunkSize: 8).Generate(20, dir.Path, "teacher A");
        var expected7 = new ReflowTargets(model, options, seed: 7, chunkSize: 8).Generate(20, fresh.Path, "teacher A, again");
        Assert.Equal(expected7.X0, seed7.X0);
        Assert.NotEqual(expected.X0, seed7.X0);
        Assert.Equal(3, Directory.GetFiles(dir.Path, "chunk-*.npz").Length);
    }

    [Fact]
    public void A_targets_file_whose_pairs_changed_fails_its_checksum()
    {
        using var dir = new TempDir();
        var x = Enumerable.Range(0, 2 * 66).Select(i => (float)i).ToArray();
        string path = dir.File("t.npz");
        new TargetsFile(x, x, 2, 22, 0.3, new TargetsMeta { System = "aldp", Kind = "reflow", Pairs = 2 }).Write(path);
        Assert.Equal(2, TargetsFile.Read(path, "aldp", 22).Pairs);
        var all = Npz.ReadAll(path).ToDictionary(kv => kv.Key, kv => kv.Value);
        var x1 = all["x1"].AsFloat32();
        x1[5] += 1;
        all["x1"] = new NpyArray(x1, 2, 22, 3);
        Npz.Write(path, all);
        Assert.Contains("checksum", Assert.Throws<InputException>(() => TargetsFile.Read(path, "aldp", 22)).Message);
    }

    private sealed class StopAt(int step, CancellationTokenSource stop) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress p) { if (p.Step >= step) stop.Cancel(); }
    }

    private static TeacherConfig Config => new()
    {
        Net = "egnn", Coupling = "equivariant-ot", Layers = 1, Hidden = 8, Steps = 8, BatchSize = 8, LogEvery = 2,
        ValEvery = 8, CheckpointEvery = 2, Device = "cpu", Sigma = 0.01,
    };

    private static Tensor Frames(int n, int seed) => MeanFreeGaussian.Centre(randn([n, 66], generator: new Generator((ulong)seed)), 22);

    [Fact]
    public void Stopped_and_resumed_teacher_training_matches_an_uninterrupted_run()
    {
        var c = Config;
        var info = new TeacherInfo { System = "aldp", Atoms = 22, Net = c.Net, Scale = 0.3, Coupling = c.Coupling, Hyperparameters = TeacherTrainer.Hyperparameters(c) };
        using var train = Frames(64, 1);
        using var val = Frames(16, 2);
        using var a = new TempDir();
        using var b = new TempDir();
        new TeacherTrainer(a.Path, c, info, Aldp.Topology).Train(train, val, resume: false);
        using (var stop = new CancellationTokenSource())
            Assert.Throws<OperationCanceledException>(() =>
                new TeacherTrainer(b.Path, c, info, Aldp.Topology).Train(train, val, false, new StopAt(4, stop), stop.Token));
        Assert.False(File.Exists(Path.Combine(b.Path, TeacherDirectory.InfoFile)));
        new TeacherTrainer(b.Path, c, info, Aldp.Topology).Train(train, val, resume: true);

        var (ma, _) = TeacherDirectory.Load(a.Path, Aldp);
        var (mb, infoB) = TeacherDirectory.Load(b.Path, Aldp);
        Assert.Equal(8, infoB.StepsTrained);
        var pb = mb.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, p) in ma.named_parameters())
            Assert.True(p.data<float>().ToArray().SequenceEqual(pb[name].data<float>().ToArray()), $"parameter {name} differs after resume");
        var steps = File.ReadAllLines(Path.Combine(b.Path, ModelDirectory.LogFile)).Skip(1).Select(l => l.Split(',')[0]).ToArray();
        Assert.Equal(new[] { "2", "4", "6", "8" }, steps);
    }

    [Fact]
    public void Teacher_of_another_system_missing_folder_and_bad_config_are_clear_errors()
    {
        var c = Config with { Steps = 2 };
        var info = new TeacherInfo { System = "aldp", Atoms = 22, Net = c.Net, Scale = 0.3, Coupling = c.Coupling, Hyperparameters = TeacherTrainer.Hyperparameters(c) };
        using var dir = new TempDir();
        using var train = Frames(16, 3);
        new TeacherTrainer(dir.Path, c, info, Aldp.Topology).Train(train, train, resume: false);
        Assert.Contains("not al4", Assert.Throws<InputException>(() => TeacherDirectory.Load(dir.Path, EnergyFixtures.System("al4"))).Message);
        Assert.Contains("not found", Assert.Throws<InputException>(() => TeacherDirectory.Load(dir.File("nothing"), Aldp)).Message);
        Assert.Contains("--resume", Assert.Throws<InputException>(() => new TeacherTrainer(dir.Path, c, info, Aldp.Topology).Train(train, train, resume: false)).Message);
        Assert.Contains("coupling", Assert.Throws<InputException>(() => TeacherConfig.Load(null, ["coupling=sinkhorn"])).Message);
        Assert.Contains("net", Assert.Throws<InputException>(() => TeacherConfig.Load(null, ["net=transformer"])).Message);
    }
}
