using BoltzmannGen.Optimisation;
using TorchSharp;

namespace BoltzmannGen.Tests.Optimisation;

public class ScheduleAndEmaTests
{
    [Fact]
    public void Warmup_is_linear_and_cosine_reaches_the_floor()
    {
        Assert.Equal(0.1, LearningRateSchedule.At(0, 1000, 1.0, 10, 0.0), 12);
        Assert.Equal(1.0, LearningRateSchedule.At(9, 1000, 1.0, 10, 0.0), 12);
        // Halfway through the cosine part the rate is the mean of base and floor.
        Assert.Equal(0.55, LearningRateSchedule.At(10 + 495, 1000, 1.0, 10, 0.1), 12);
        Assert.Equal(0.1, LearningRateSchedule.At(1000, 1000, 1.0, 10, 0.1), 12);
    }

    [Fact]
    public void EMA_of_a_constant_parameter_approaches_it_geometrically()
    {
        using var module = torch.nn.Linear(1, 1, hasBias: false);
        using (torch.no_grad()) module.weight!.fill_(0.0);
        using var ema = new ExponentialMovingAverage(module, 0.9);
        using (torch.no_grad()) module.weight!.fill_(1.0);
        for (int k = 0; k < 5; k++) ema.Update(module);
        using var copy = torch.nn.Linear(1, 1, hasBias: false);
        ema.CopyTo(copy);
        // shadow_k = p + decay^k (s0 − p) with s0 = 0, p = 1.
        Assert.Equal(1 - Math.Pow(0.9, 5), copy.weight!.item<float>(), 6);
    }
}
