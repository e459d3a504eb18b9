using BoltzmannGen.Cli.Pipeline;
using BoltzmannGen.Tests.Support;

namespace BoltzmannGen.Tests.Cli;

/// <summary>per_system: a preset's budgets of a system's own, between the file and the command line.</summary>
public class RunConfigPerSystemTests
{
    private static string Preset(TempDir dir, string perSystem)
    {
        string path = dir.File("preset.yaml");
        File.WriteAllText(path, "system: aldp\nfinetune:\n  enabled: true\n  steps: 100\nflow:\n  steps: 50\nper_system:\n" + perSystem);
        return path;
    }

    [Fact]
    public void The_chosen_systems_entry_applies_and_the_command_line_wins_over_it()
    {
        using var dir = new TempDir();
        string path = Preset(dir, "  al4: \"finetune.steps=400 flow.steps=70\"\n  al3: finetune.steps=300\n");
        Assert.Equal((100, 50), Steps(RunConfig.Load(path, [])));
        Assert.Equal((300, 50), Steps(RunConfig.Load(path, ["system=al3"])));
        Assert.Equal((400, 70), Steps(RunConfig.Load(path, ["system=al4"])));
        Assert.Equal((400, 60), Steps(RunConfig.Load(path, ["system=al4", "flow.steps=60"])));
        Assert.Equal((100, 50), Steps(RunConfig.Load(path, ["system=al4", "per_system.al4=finetune.steps=100"])));
    }

    [Theory]
    [InlineData("  al4: finetune.stepz=4\n", "per_system.al4 'finetune.stepz=4'", "unknown key 'stepz'")]
    [InlineData("  al4: finetune.steps=many\n", "per_system.al4 'finetune.steps=many'", "finetune.steps")]
    [InlineData("  al4: finetune.steps\n", "per_system.al4 'finetune.steps'", "key=value")]
    [InlineData("  al4: system=al3\n", "per_system.al4 'system=al3'", "system cannot be set per system")]
    [InlineData("  al4: targets.pairs=1\n", "per_system.al4 'targets.pairs=1'", "targets.pairs must be at least 2")]
    public void A_bad_entry_is_refused_by_system_and_key_even_when_another_system_runs(string entry, string where, string problem)
    {
        using var dir = new TempDir();
        string path = Preset(dir, entry);
        var e = Assert.Throws<InputException>(() => RunConfig.Load(path, ["system=aldp"]));
        Assert.Contains(where, e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void The_full_preset_gives_al3_and_al4_budgets_and_an_md_anchor_of_their_own_and_leaves_aldp_as_it_was()
    {
        string full = Path.Combine(EnergyFixtures.Catalog.ForceFieldsDirectory, "..", "configs", "presets", "full.yaml");
        var aldp = RunConfig.Load(full, []);
        Assert.Equal(2000, aldp.Finetune.Steps);
        Assert.Equal(0, aldp.Finetune.MdMl);
        foreach (string system in new[] { "al3", "al4" })
            Assert.Equal(1.0, RunConfig.Load(full, [$"system={system}"]).Finetune.MdMl); // the MD anchor that holds their rare φ>0 basins
        var al3 = RunConfig.Load(full, ["system=al3"]);
        Assert.Equal((4000, 512, 0, false), (al3.Finetune.Steps, al3.Finetune.BatchSize, al3.Finetune.MlResample, al3.Finetune.MdPooledRuns));
        // al4: four times the draws a step, the gradient on 256 resampled ones, and the pooled runs in the anchor.
        var al4 = RunConfig.Load(full, ["system=al4"]);
        Assert.Equal((2500, 2048, 256, true), (al4.Finetune.Steps, al4.Finetune.BatchSize, al4.Finetune.MlResample, al4.Finetune.MdPooledRuns));
        // Only fine-tuning differs: the other stages of al3 and al4 are those of aldp's preset.
        Assert.Equal(aldp.Flow, al4.Flow);
        Assert.Equal(aldp.Teacher, al4.Teacher);
    }

    [Fact]
    public void A_command_line_key_that_needs_the_chosen_systems_entry_is_checked_with_it_alone()
    {
        // md_phi_positive_weight needs md_ml, which the full preset sets for al3 and al4 only.
        string full = Path.Combine(EnergyFixtures.Catalog.ForceFieldsDirectory, "..", "configs", "presets", "full.yaml");
        Assert.Equal(4, RunConfig.Load(full, ["system=al4", "finetune.md_phi_positive_weight=4"]).Finetune.MdPhiPositiveWeight);
        var e = Assert.Throws<InputException>(() => RunConfig.Load(full, ["system=aldp", "finetune.md_phi_positive_weight=4"]));
        Assert.Contains("give md_ml a positive weight", e.Message);
        Assert.DoesNotContain("per_system", e.Message);
    }

    private static (int Finetune, int Flow) Steps(RunConfig c) => (c.Finetune.Steps, c.Flow.Steps);
}
