using BoltzmannGen.Flows;
using BoltzmannGen.Teacher.Networks;
using BoltzmannGen.Tests.Teacher.Networks;
using TorchSharp;
using static BoltzmannGen.Tests.Flows.FlowTestSupport;
using static TorchSharp.torch;

namespace BoltzmannGen.Tests.Support;

/// <summary>
/// Tests that read, seed or draw from libtorch's process-wide generator. They run alone (after the parallel
/// collections), so no other test's draws can move it between two of their calls. No other test uses it.
/// </summary>
[CollectionDefinition("global torch generator", DisableParallelization = true)]
public class GlobalGeneratorCollection;

[Collection("global torch generator")]
public class GlobalGeneratorTests
{
    private static double[] Weights(nn.Module module) => module.parameters().SelectMany(ToDoubles).ToArray();

    [Fact]
    public void Seeded_layers_draw_exactly_what_nn_Linear_and_randn_draw_after_manual_seed()
    {
        // The seeded flows must keep the weights they had when built from the global generator after
        // manual_seed(Seed): the same draws, in the same order, from a private generator.
        using var scope = NewDisposeScope();
        foreach (long seed in new long[] { 0, 7, -3 })
        {
            manual_seed(seed);
            var globalFirst = nn.Linear(5, 7);
            var globalStart = randn(1, 1, 16) * 0.02;
            var globalSecond = nn.Linear(33, 4);

            using var generator = new Generator(unchecked((ulong)seed));
            var first = SeededInit.Linear(5, 7, generator);
            var start = SeededInit.Normal([1, 1, 16], 0.02, generator);
            var second = SeededInit.Linear(33, 4, generator);

            Assert.Equal(Weights(globalFirst), Weights(first));
            Assert.Equal(ToDoubles(globalStart), ToDoubles(start));
            Assert.Equal(Weights(globalSecond), Weights(second));
            Assert.Equal(globalSecond.named_parameters().Select(p => p.name), second.named_parameters().Select(p => p.name));
            Assert.True(MaxAbs(second.weight!) > 0);
        }
    }

    [Theory]
    [InlineData("resnvp")]
    [InlineData("nsf")]
    [InlineData("tarflow")]
    public void Building_a_flow_neither_uses_nor_changes_the_global_generator(string name)
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        using var before = get_rng_state();
        var a = FlowArchitectures.Create(name, 9, Small);
        using var after = get_rng_state();
        Assert.Equal(ToDoubles(before), ToDoubles(after));

        manual_seed(2);
        var b = FlowArchitectures.Create(name, 9, Small);
        Assert.Equal(Weights(a), Weights(b));
    }

    [Fact]
    public async Task Flows_built_while_other_threads_seed_and_draw_get_their_seeds_weights()
    {
        using var scope = NewDisposeScope();
        string[] names = ["resnvp", "nsf", "tarflow"];
        var expected = names.Select(n => Weights(FlowArchitectures.Create(n, 9, Small))).ToArray();

        using var stop = new CancellationTokenSource();
        var disturbers = Enumerable.Range(0, 2).Select(k => Task.Run(() =>
        {
            long i = 0;
            while (!stop.IsCancellationRequested)
            {
                using var s = NewDisposeScope();
                manual_seed(1000 * k + i++);
                _ = randn(64);
            }
        })).ToArray();
        try
        {
            var built = Enumerable.Range(0, 12).AsParallel().WithDegreeOfParallelism(3)
                .Select(i => (Index: i % 3, Weights: BuildWeights(names[i % 3]))).ToArray();
            foreach (var (index, weights) in built) Assert.Equal(expected[index], weights);
        }
        finally
        {
            stop.Cancel();
            await Task.WhenAll(disturbers);
        }
    }

    private static double[] BuildWeights(string name)
    {
        using var scope = NewDisposeScope();
        using var flow = FlowArchitectures.Create(name, 9, Small);
        return Weights(flow);
    }

    [Fact]
    public void Building_a_velocity_network_leaves_the_global_generator_alone()
    {
        using var state = get_rng_state();
        using var net = new EgnnVelocity(VelocityNetworkTests.Toy(), VelocityNetworkTests.Small);
        using var after = get_rng_state();
        Assert.Equal(ToDoubles(state), ToDoubles(after));
    }
}
