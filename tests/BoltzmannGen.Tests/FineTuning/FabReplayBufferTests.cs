using BoltzmannGen.FineTuning;
using static TorchSharp.torch;

namespace BoltzmannGen.Tests.FineTuning;

/// <summary>
/// The fab term's replay buffer against what FAB's prioritised buffer must do: draws in proportion to the weights
/// (Gumbel top-k of one is exactly a categorical draw), distinct draws, a q_old/q_new reweighting, a ring that drops
/// the oldest particles, and a file that restores the same buffer.
/// </summary>
public class FabReplayBufferTests
{
    private static FabReplayBuffer Filled(double[] weights, int capacity = 8, int dimension = 2)
    {
        var buffer = new FabReplayBuffer(capacity, dimension);
        int n = weights.Length;
        buffer.Add(Enumerable.Range(0, n * dimension).Select(i => (double)i).ToArray(), weights.Select(w => Math.Log(w)).ToArray(),
                   Enumerable.Range(0, n).Select(i => -1.0 * i).ToArray());
        return buffer;
    }

    [Fact]
    public void A_single_draw_picks_each_particle_in_proportion_to_its_weight()
    {
        double[] w = [0.5, 0.3, 0.15, 0.05];
        var buffer = Filled(w);
        using var g = new Generator(3);
        var counts = new double[4];
        const int draws = 20000;
        for (int k = 0; k < draws; k++) counts[buffer.Draw(1, g)[0]]++;
        // Binomial s.d. ≤ √(0.25/20000) = 0.0035: 0.015 is over four of them.
        for (int i = 0; i < 4; i++) Assert.True(Math.Abs(counts[i] / draws - w[i]) < 0.015, $"particle {i}: {counts[i] / draws:F4} vs {w[i]}");
    }

    [Fact]
    public void Draws_are_distinct_and_never_more_than_the_buffer_holds_and_broken_particles_are_not_kept()
    {
        var buffer = new FabReplayBuffer(8, 1);
        buffer.Add([1, 2, 3, 4, 5], [0, double.NegativeInfinity, double.NaN, -1, -2], [0, 0, 0, double.PositiveInfinity, 0]);
        Assert.Equal(2, buffer.Count); // the particles with weight e⁰ and e⁻², finite log q
        using var g = new Generator(1);
        var drawn = buffer.Draw(5, g);
        Assert.Equal(2, drawn.Length);
        Assert.Equal([1.0, 5.0], buffer.Latents(drawn.Order().ToArray()));
    }

    [Fact]
    public void Reweighting_multiplies_a_weight_by_q_old_over_q_new_and_remembers_q_new()
    {
        var buffer = Filled([1, 1, 1]); // log q = 0, −1, −2
        buffer.Reweight([2, 0], [-0.5, double.NaN]);
        Assert.Equal(-2 - -0.5, buffer.LogWeight(2), 12); // log 1 + (−2) − (−0.5)
        Assert.Equal(-0.5, buffer.LogQ(2));
        Assert.Equal(0, buffer.LogWeight(0)); // a non-finite new log q leaves the particle as it was
        Assert.Equal(0, buffer.LogQ(0));
        Assert.Equal(0, buffer.LogWeight(1));
    }

    [Fact]
    public void A_full_buffer_replaces_its_oldest_particles_first()
    {
        var buffer = new FabReplayBuffer(3, 1);
        buffer.Add([1, 2], [0, 0], [0, 0]);
        buffer.Add([3, 4, 5], [0, 0, 0], [0, 0, 0]);
        Assert.Equal(3, buffer.Count);
        Assert.Equal([4.0, 5.0, 3.0], buffer.Latents([0, 1, 2])); // 1 and 2 gave way to 4 and 5
    }

    [Fact]
    public void A_saved_buffer_loads_back_the_same_and_a_buffer_of_another_shape_is_refused()
    {
        var buffer = Filled([0.2, 0.7, 0.1]);
        buffer.StepsSinceAnnealing = 3;
        string path = Path.GetTempFileName();
        try
        {
            buffer.Save(path);
            var back = new FabReplayBuffer(8, 2);
            back.Load(path);
            Assert.Equal((3, 3), (back.Count, back.StepsSinceAnnealing));
            Assert.Equal(buffer.Latents([0, 1, 2]), back.Latents([0, 1, 2]));
            for (int i = 0; i < 3; i++) Assert.Equal((buffer.LogWeight(i), buffer.LogQ(i)), (back.LogWeight(i), back.LogQ(i)));
            using (var g1 = new Generator(9)) using (var g2 = new Generator(9)) Assert.Equal(buffer.Draw(2, g1), back.Draw(2, g2));
            Assert.Throws<InvalidDataException>(() => new FabReplayBuffer(8, 3).Load(path));
        }
        finally { File.Delete(path); }
    }
}
