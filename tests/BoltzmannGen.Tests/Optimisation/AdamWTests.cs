using TorchSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace BoltzmannGen.Tests.Optimisation;

/// <summary>
/// Our AdamW is TorchSharp's AdamW with owned Scalars: checked against the closed form of the first step
/// and, over many steps, against torch.optim.AdamW itself (same betas) on the same gradients.
/// </summary>
public class AdamWTests
{
    private static Parameter NewParameter(double[] values) => new(tensor(values, float64));

    private static void SetGradient(Parameter p, double[] g)
    {
        p.grad = tensor(g, float64);
    }

    [Fact]
    public void FirstStepIsDecayThenLearningRateTimesSignOfGradient()
    {
        // Step 1: m̂ = g and v̂ = g², so the update is −lr·g/(|g| + ε) after the decoupled decay x ← x(1 − lr·λ).
        double lr = 0.01, decay = 0.1;
        double[] x = [1.0, -2.0, 0.5], g = [3.0, -0.25, 1e-3];
        var p = NewParameter(x);
        var optimizer = new BoltzmannGen.Optimisation.AdamW([p], lr, decay);
        SetGradient(p, g);
        optimizer.step();
        var got = p.detach().data<double>().ToArray();
        for (int i = 0; i < x.Length; i++)
            Assert.Equal(x[i] * (1 - lr * decay) - lr * g[i] / (Math.Abs(g[i]) + 1e-8), got[i], 12);
    }

    [Fact]
    public void MatchesTorchSharpAdamWOverManySteps()
    {
        var random = new Random(3);
        double[] start = Enumerable.Range(0, 50).Select(_ => random.NextDouble() - 0.5).ToArray();
        var ours = NewParameter(start);
        var theirs = NewParameter(start);
        var a = new BoltzmannGen.Optimisation.AdamW([ours], 0.003, 1e-4);
        var b = optim.AdamW([theirs], 0.003, weight_decay: 1e-4);
        for (int step = 0; step < 200; step++)
        {
            double[] g = Enumerable.Range(0, 50).Select(_ => random.NextDouble() - 0.3).ToArray();
            double lr = 0.003 * (1 - step / 400.0); // the schedule changes the group's rate between steps
            a.ParamGroups.First().LearningRate = lr;
            b.ParamGroups.First().LearningRate = lr;
            SetGradient(ours, g);
            SetGradient(theirs, g);
            a.step();
            b.step();
        }
        var x = ours.detach().data<double>().ToArray();
        var y = theirs.detach().data<double>().ToArray();
        Assert.NotEqual(start[0], x[0]);
        for (int i = 0; i < x.Length; i++) Assert.Equal(y[i], x[i], 12);
    }

    [Fact]
    public void LoadsTheStateOfACheckpointMadeWithTorchSharpsAdamW()
    {
        // optimizer.dat names the optimiser type; ours keeps the name so that older checkpoints resume.
        var theirs = NewParameter([0.3, -0.7]);
        var b = optim.AdamW([theirs], 0.01);
        SetGradient(theirs, [1.0, 2.0]);
        b.step();
        string file = Path.Combine(Path.GetTempPath(), $"bgen-adamw-{Guid.NewGuid():N}.dat");
        try
        {
            b.save_state_dict(file);
            var ours = NewParameter([0.3, -0.7]);
            var a = new BoltzmannGen.Optimisation.AdamW([ours], 0.01, 0.0);
            a.load_state_dict(file);
            var state = (TorchSharp.Modules.AdamW.State)a.state_dict().State[0];
            Assert.Equal(1, state.step);
            Assert.Equal(0.1, state.exp_avg[0].item<double>(), 12); // (1 − β1)·g
        }
        finally
        {
            File.Delete(file);
        }
    }
}
