using BoltzmannGen.Flows;
using TorchSharp;
using static BoltzmannGen.Tests.Flows.FlowTestSupport;
using static TorchSharp.torch;

namespace BoltzmannGen.Tests.Flows;

/// <summary>Invertibility and exact log-dets of every architecture, away from the identity initialisation.</summary>
public class FlowArchitectureTests
{
    public static TheoryData<string> Architectures => new() { "resnvp", "nsf", "tarflow" };

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Inverse_reconstructs_the_input_and_log_dets_cancel(string name)
    {
        using var scope = NewDisposeScope();
        const int d = 63; // aldp: 22 atoms
        var flow = FlowArchitectures.Create(name, d, Small);
        Perturb(flow, 0.1, seed: 11);
        var x = randn([16, d], generator: new Generator(3)) * 1.5; // some spline inputs fall in the tails

        using var noGrad = no_grad();
        var (y, forwardLogDet) = flow.Forward(x);
        var (back, inverseLogDet) = flow.Inverse(y);

        Assert.True(MaxAbs(y - x) > 1e-2, $"{name}: the perturbed flow is still (close to) the identity");
        Assert.True(MaxAbs(forwardLogDet) > 1e-2, $"{name}: the perturbed flow is still volume-preserving");
        Assert.True(MaxAbs(back - x) <= 1e-4, $"{name}: reconstruction error {MaxAbs(back - x)}");
        // float32 round-off grows with the size of the log-det (sums of many log-derivatives, each evaluated at
        // a point reconstructed to ~1e-5): allow 1e-4 plus 1e-5 relative. In float64 they cancel to ~1e-12.
        double tolerance = 1e-4 + 1e-5 * MaxAbs(forwardLogDet);
        Assert.True(MaxAbs(forwardLogDet + inverseLogDet) <= tolerance, $"{name}: log-dets do not cancel, {MaxAbs(forwardLogDet + inverseLogDet)}");

        // The other way round too: density direction first (tarflow's sequential pass is then the first one).
        var (z, inv2) = flow.Inverse(x);
        var (again, fwd2) = flow.Forward(z);
        Assert.True(MaxAbs(again - x) <= 1e-4, $"{name}: y → x → y error {MaxAbs(again - x)}");
        Assert.True(MaxAbs(fwd2 + inv2) <= 1e-4 + 1e-5 * MaxAbs(fwd2), $"{name}: log-dets do not cancel (inverse first)");
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Log_dets_equal_slogdet_of_the_autograd_jacobian(string name)
    {
        using var scope = NewDisposeScope();
        const int d = 9; // 4 atoms, 3 tokens
        var h = Small with { TailBound = 1.5 };
        var flow = FlowArchitectures.Create(name, d, h).to(float64);
        Perturb(flow, 0.2, seed: 5);
        var points = randn([3, d], dtype: float64, generator: new Generator(17)) * 1.2;

        for (int i = 0; i < 3; i++)
        {
            var x = points[i].unsqueeze(0);
            var forwardJacobian = autograd.functional.jacobian(v => flow.Forward(v.unsqueeze(0)).y.squeeze(0), x.squeeze(0));
            var (_, expected) = linalg.slogdet(forwardJacobian);
            var (_, logDet) = flow.Forward(x);
            Assert.Equal(expected.item<double>(), logDet.item<double>(), 1e-9);

            var inverseJacobian = autograd.functional.jacobian(v => flow.Inverse(v.unsqueeze(0)).x.squeeze(0), x.squeeze(0));
            var (_, expectedInverse) = linalg.slogdet(inverseJacobian);
            var (_, inverseLogDet) = flow.Inverse(x);
            Assert.Equal(expectedInverse.item<double>(), inverseLogDet.item<double>(), 1e-9);
            Assert.True(Math.Abs(logDet.item<double>()) > 1e-3, $"{name}: log-det is trivially zero");
        }
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void A_new_flow_is_the_identity(string name)
    {
        using var scope = NewDisposeScope();
        var flow = FlowArchitectures.Create(name, 21, Small);
        var x = randn([8, 21], generator: new Generator(1)) * 2;
        using var noGrad = no_grad();
        var (y, logDet) = flow.Forward(x);
        // Up to float32 round-off of the spline's knot arithmetic (exactly the identity in float64).
        Assert.True(MaxAbs(y - x) <= 1e-6, $"{name}: {MaxAbs(y - x)}");
        Assert.True(MaxAbs(logDet) <= 1e-5, $"{name}: {MaxAbs(logDet)}");
    }

    [Fact]
    public void Tarflow_tokens_depend_only_on_earlier_tokens()
    {
        // Forward (sampling direction) of one non-reversed block: y_t depends on x_0..x_t only, so moving input
        // token 2 leaves outputs 0 and 1 untouched and changes output 3 (through its shift and scale).
        using var scope = NewDisposeScope();
        using var generator = new Generator(1);
        var block = new AutoregressiveAffineBlock(15, channels: 16, heads: 2, transformerLayers: 1, reverse: false, scaleBound: 3, generator);
        Perturb(block, 0.2, seed: 2);
        using var noGrad = no_grad();
        var x = randn([1, 15], generator: new Generator(4));
        var moved = x.clone();
        moved[0, 7] = moved[0, 7] + 0.5; // token 2, axis y
        var y = block.Forward(x).y.reshape(5, 3);
        var yMoved = block.Forward(moved).y.reshape(5, 3);
        Assert.True(MaxAbs(y.narrow(0, 0, 2) - yMoved.narrow(0, 0, 2)) == 0, "tokens 0, 1 must not see token 2");
        Assert.True(MaxAbs(y[3] - yMoved[3]) > 1e-4, "token 3 must depend on token 2");
    }

    [Fact]
    public void Unknown_architecture_names_the_known_ones()
    {
        var e = Assert.Throws<ArgumentException>(() => FlowArchitectures.Create("glow", 9, Small));
        Assert.Contains("resnvp", e.Message);
        Assert.Contains("nsf", e.Message);
        Assert.Contains("tarflow", e.Message);
        Assert.Contains("glow", e.Message);
    }

    [Fact]
    public void Tarflow_needs_tokens_of_three()
    {
        Assert.Throws<ArgumentException>(() => FlowArchitectures.Create("tarflow", 10, Small));
    }

    [Fact]
    public void The_seed_fixes_the_weights()
    {
        // Whether the global generator is used or changed meanwhile: GlobalGeneratorTests (not run in parallel).
        using var scope = NewDisposeScope();
        var a = FlowArchitectures.Create("resnvp", 9, Small);
        var b = FlowArchitectures.Create("resnvp", 9, Small);
        var c = FlowArchitectures.Create("resnvp", 9, Small with { Seed = 8 });

        var pa = a.parameters().Select(ToDoubles).SelectMany(v => v).ToArray();
        var pb = b.parameters().Select(ToDoubles).SelectMany(v => v).ToArray();
        var pc = c.parameters().Select(ToDoubles).SelectMany(v => v).ToArray();
        Assert.Equal(pa, pb);
        Assert.NotEqual(pa, pc);
    }
}
