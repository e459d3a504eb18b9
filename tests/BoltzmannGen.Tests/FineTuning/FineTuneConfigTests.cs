using BoltzmannGen.FineTuning;

namespace BoltzmannGen.Tests.FineTuning;

public class FineTuneConfigTests
{
    [Fact]
    public void Md_ml_keys_are_written_only_when_set_so_older_configs_and_run_hashes_keep_their_text()
    {
        string plain = new FineTuneConfig().ToYaml();
        Assert.DoesNotContain("md_", plain);
        Assert.DoesNotContain("ml_resample", plain);
        Assert.Contains("ml_resample: 64", new FineTuneConfig { MlResample = 64 }.ToYaml());
        Assert.Contains("fort_batch_size: 256", plain);

        string set = new FineTuneConfig { MdMl = 0.5, MdBatchSize = 128, MdPooledRuns = true, MdPhiPositiveWeight = 4 }.ToYaml();
        Assert.Contains("md_ml: 0.5", set);
        Assert.Contains("md_phi_positive_weight: 4", set);
        Assert.Contains("md_pooled_runs: true", set);
        Assert.Contains("md_batch_size: 128", set);
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, set);
            var back = FineTuneConfig.Load(path, []);
            Assert.Equal((0.5, 128, true, 4), (back.MdMl, back.MdBatchSize, back.MdPooledRuns, back.MdPhiPositiveWeight));
            File.WriteAllText(path, new FineTuneConfig { MdMl = 1 }.ToYaml());
            var defaults = FineTuneConfig.Load(path, []);
            Assert.Equal((256, 1), (defaults.MdBatchSize, defaults.MdPhiPositiveWeight));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Fab_keys_are_written_only_when_set_and_read_back()
    {
        Assert.DoesNotContain("fab", new FineTuneConfig().ToYaml());
        string set = new FineTuneConfig { Fab = 0.5, FabParticles = 64, FabSteps = 8 }.ToYaml();
        Assert.Contains("fab: 0.5", set);
        Assert.Contains("fab_particles: 64", set);
        Assert.DoesNotContain("fab_steps", set); // the default
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, set);
            var back = FineTuneConfig.Load(path, []);
            Assert.Equal((0.5, 64, 8, 1, 0.05), (back.Fab, back.FabParticles, back.FabSteps, back.FabMoves, back.FabStepSize));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void The_fab_terms_annealing_is_counted_in_the_energy_evaluations()
    {
        var plain = new FineTuneConfig { BatchSize = 100, ValSamples = 50 };
        Assert.Equal(10L * 100 + 2 * 50, plain.EnergyEvaluations(10, 2));
        // 32 particles: one evaluation at β = 0, then 2 sweeps at each of 4 βs.
        var fab = plain with { Fab = 1, FabParticles = 32, FabSteps = 4, FabMoves = 2 };
        Assert.Equal(10L * (100 + 32 * 9) + 2 * 50, fab.EnergyEvaluations(10, 2));
        // With a buffer and an annealing every 4 steps: at steps 1, 5 and 9 of 10 (1 and 5 of 7; 1 of 4).
        var buffered = fab with { FabBuffer = 256, FabEvery = 4 };
        Assert.Equal(10L * 100 + 3 * 32 * 9 + 2 * 50, buffered.EnergyEvaluations(10, 2));
        Assert.Equal(7L * 100 + 2 * 32 * 9, buffered.EnergyEvaluations(7, 0));
        Assert.Equal(4L * 100 + 32 * 9, buffered.EnergyEvaluations(4, 0));
    }

    [Fact]
    public void Fab_buffer_keys_are_written_only_when_set()
    {
        Assert.DoesNotContain("fab", new FineTuneConfig { Fab = 1 }.ToYaml().Replace("fab: 1", ""));
        string set = new FineTuneConfig { Fab = 1, FabBuffer = 4096, FabEvery = 4, FabBatch = 256 }.ToYaml();
        Assert.Contains("fab_buffer: 4096", set);
        Assert.Contains("fab_every: 4", set);
        Assert.DoesNotContain("fab_batch", set); // the default
    }
}
