using BoltzmannGen.Energy;
using BoltzmannGen.Tests.Support;
using TorchSharp;

namespace BoltzmannGen.Tests.Energy;

/// <summary>Forces are −∇E: checked against central finite differences of the energy, and through the autograd bridge.</summary>
public class FiniteDifferenceTests
{
    [Theory]
    [InlineData("aldp", 7)]
    [InlineData("al3", 11)]
    [InlineData("al4", 19)]
    public void Forces_equal_minus_central_differences_of_the_energy(string name, int frame)
    {
        var system = EnergyFixtures.System(name);
        var x = EnergyFixtures.Frames(name).Frame(frame).ToArray();
        using var energy = PotentialEnergy.For(system, new EnergyOptions { Threads = 2 });
        var forces = energy.Evaluate(x, withForces: true).Forces!;

        // All displaced copies in one batch: +h and −h for every coordinate.
        const double h = 1e-5; // nm
        int d = x.Length;
        var displaced = new double[2 * d * d];
        for (int i = 0; i < d; i++)
        {
            x.CopyTo(displaced, (2 * i) * d);
            x.CopyTo(displaced, (2 * i + 1) * d);
            displaced[(2 * i) * d + i] += h;
            displaced[(2 * i + 1) * d + i] -= h;
        }
        var e = energy.Evaluate(displaced).Energies;
        for (int i = 0; i < d; i++)
        {
            double fd = -(e[2 * i] - e[2 * i + 1]) / (2 * h);
            double scale = Math.Max(Math.Abs(forces[i]), 10.0); // kJ/mol/nm; floors the relative error of tiny components
            Assert.True(Math.Abs(fd - forces[i]) <= 1e-5 * scale,
                $"{name} coordinate {i}: force {forces[i]}, finite difference {fd}");
        }
    }

    [Fact]
    public void Autograd_gradient_of_the_reduced_energy_is_minus_force_over_kT()
    {
        var system = EnergyFixtures.System("aldp");
        var frames = EnergyFixtures.Frames("aldp");
        using var energy = PotentialEnergy.For(system, new EnergyOptions { Threads = 2 });
        var batch = energy.Evaluate(frames.Positions.AsMemory(0, 4 * 66), withForces: true);

        using var x = torch.tensor(frames.Positions[..(4 * 66)], [4, 22, 3], torch.float64).requires_grad_(true);
        using var u = ReducedEnergyFunction.Evaluate(energy, x);
        Assert.Equal(batch.Reduced, u.data<double>().ToArray());

        // Weighted sum, so each frame's gradient is scaled by its own weight: checks grad_output is applied per frame.
        double[] weights = [1.0, 2.0, -0.5, 3.0];
        using var w = torch.tensor(weights, torch.float64);
        using var loss = (u * w).sum();
        loss.backward();
        var grad = x.grad!.data<double>().ToArray();
        for (int b = 0; b < 4; b++)
        for (int i = 0; i < 66; i++)
        {
            double expected = -weights[b] * batch.Forces![b * 66 + i] / energy.KT;
            Assert.True(Math.Abs(expected - grad[b * 66 + i]) <= 1e-9 * Math.Max(1, Math.Abs(expected)),
                $"frame {b} coordinate {i}: {grad[b * 66 + i]} vs {expected} (F = {batch.Forces![b * 66 + i]}, kT = {energy.KT})");
        }
    }

    [Fact]
    public void Autograd_bridge_keeps_float32_input_in_float32()
    {
        var system = EnergyFixtures.System("aldp");
        using var energy = PotentialEnergy.For(system, new EnergyOptions { Threads = 1 });
        using var x = torch.tensor(system.ReferencePositions, [1, 66], torch.float64).to(torch.float32).requires_grad_(true);
        using var u = ReducedEnergyFunction.Evaluate(energy, x);
        Assert.Equal(torch.float32, u.dtype);
        u.sum().backward();
        Assert.Equal(torch.float32, x.grad!.dtype);
        Assert.Equal(new long[] { 1, 66 }, x.grad.shape);
    }
}
