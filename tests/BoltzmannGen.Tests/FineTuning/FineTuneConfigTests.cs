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

        string set = new FineTuneConfig { MdMl = 0.5, MdBatchSize = 128, MdPooledRuns = true }.ToYaml();
        Assert.Contains("md_ml: 0.5", set);
        Assert.Contains("md_pooled_runs: true", set);
        Assert.Contains("md_batch_size: 128", set);
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, set);
            var back = FineTuneConfig.Load(path, []);
            Assert.Equal((0.5, 128, true), (back.MdMl, back.MdBatchSize, back.MdPooledRuns));
            File.WriteAllText(path, new FineTuneConfig { MdMl = 1 }.ToYaml());
            Assert.Equal(256, FineTuneConfig.Load(path, []).MdBatchSize);
        }
        finally { File.Delete(path); }
    }
}
