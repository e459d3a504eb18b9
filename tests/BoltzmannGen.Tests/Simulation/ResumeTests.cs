using BoltzmannGen.Simulation;
using BoltzmannGen.Tests.Support;

namespace BoltzmannGen.Tests.Simulation;

/// <summary>A run stopped at a checkpoint and resumed gives exactly the frames of an uninterrupted run.</summary>
public class ResumeTests
{
    private static MDOptions Options(string system, double swapEveryPs = 1) => new()
    {
        System = system, Nanoseconds = 0.02, SaveEveryPs = 1, SwapEveryPs = swapEveryPs, TemperaturesK = [300, 360],
        EquilibrationPs = 2, CheckpointEveryPs = 5, Seed = 5,
    };

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.25)] // exchange attempted four times per saved frame
    public void Stopped_and_resumed_replica_exchange_matches_an_uninterrupted_run_frame_by_frame(double swapEveryPs)
    {
        var system = EnergyFixtures.System("aldp");
        using var dir = new TempDir();

        MDResult uninterrupted;
        using (var run = new MDRun(system, Options("aldp", swapEveryPs), Path.Combine(dir.Path, "a"), resume: false))
            uninterrupted = run.Run();

        string work = Path.Combine(dir.Path, "b");
        using (var stop = new CancellationTokenSource())
        using (var run = new MDRun(system, Options("aldp", swapEveryPs), work, resume: false))
        {
            var progress = new Progress(p => { if (p.Phase == "production" && p.StepsDone >= 7000) stop.Cancel(); });
            Assert.Throws<OperationCanceledException>(() => run.Run(progress, stop.Token));
        }
        MDResult resumed;
        using (var run = new MDRun(system, Options("aldp", swapEveryPs), work, resume: true))
            resumed = run.Run();

        Assert.Equal(20, uninterrupted.Energies.Length);
        Assert.Equal(uninterrupted.Energies, resumed.Energies);
        Assert.Equal(uninterrupted.Positions, resumed.Positions);
        Assert.Equal(uninterrupted.SwapAcceptance[0], resumed.SwapAcceptance[0]);
    }

    [Fact]
    public void Resume_refuses_different_settings()
    {
        var system = EnergyFixtures.System("aldp");
        using var dir = new TempDir();
        string work = Path.Combine(dir.Path, "w");
        using (var stop = new CancellationTokenSource())
        using (var run = new MDRun(system, Options("aldp"), work, resume: false))
        {
            stop.Cancel();
            Assert.Throws<OperationCanceledException>(() => run.Run(null, stop.Token));
        }
        var e = Assert.Throws<InputException>(() => new MDRun(system, Options("aldp") with { Seed = 6 }, work, resume: true));
        Assert.Contains("seed", e.Message);
    }

    [Fact]
    public void A_corrupt_checkpoint_is_a_clear_error()
    {
        var system = EnergyFixtures.System("aldp");
        using var dir = new TempDir();
        string work = Path.Combine(dir.Path, "w");
        using (var stop = new CancellationTokenSource())
        using (var run = new MDRun(system, Options("aldp"), work, resume: false))
        {
            stop.Cancel();
            Assert.Throws<OperationCanceledException>(() => run.Run(null, stop.Token));
        }
        File.WriteAllBytes(Path.Combine(work, "checkpoint.zip"), [1, 2, 3, 4]);
        using var resumed = new MDRun(system, Options("aldp"), work, resume: true);
        var e = Assert.Throws<InputException>(() => resumed.Run());
        Assert.Contains("checkpoint", e.Message);
        Assert.Contains("damaged", e.Message);
    }

    private sealed class Progress(Action<MDProgress> report) : IProgress<MDProgress>
    {
        public void Report(MDProgress value) => report(value);
    }
}

public class ExtendOnResumeTests
{
    [Fact]
    public void A_stopped_run_can_be_resumed_with_a_different_length()
    {
        var system = EnergyFixtures.System("aldp");
        using var dir = new TempDir();
        var options = new MDOptions { System = "aldp", Nanoseconds = 0.02, SaveEveryPs = 1, TemperaturesK = [300], EquilibrationPs = 1, CheckpointEveryPs = 5, Seed = 2 };
        MDResult full;
        using (var run = new MDRun(system, options with { Nanoseconds = 0.015 }, Path.Combine(dir.Path, "a"), resume: false))
            full = run.Run();
        string work = Path.Combine(dir.Path, "b");
        using (var stop = new CancellationTokenSource())
        using (var run = new MDRun(system, options, work, resume: false))
        {
            stop.Cancel();
            Assert.Throws<OperationCanceledException>(() => run.Run(null, stop.Token));
        }
        using (var run = new MDRun(system, options with { Nanoseconds = 0.015 }, work, resume: true))
        {
            var shortened = run.Run();
            Assert.Equal(15, shortened.Energies.Length);
            Assert.Equal(full.Energies, shortened.Energies);
        }
    }
}
