using BoltzmannGen.Numerics;
using BoltzmannGen.Smc;
using BoltzmannGen.Tests.Numerics;
using OpenMMSharp;

namespace BoltzmannGen.Tests.OpenMM;

/// <summary>
/// The C++ xoshiro256** inside our Langevin stepper (native/bgen_xoshiro256.h, through <see cref="NativeXoshiro256"/>)
/// gives the same stream as the C# <see cref="Xoshiro256"/> whose state a replica hands it: raw outputs and the state
/// after them equal word for word, Box–Muller normals equal to the last bit (the same transform as
/// <see cref="GaussianNoise"/>, on the same glibc libm), and the stepper consumes exactly 2⌈3N/2⌉ outputs a step.
/// </summary>
public class NativeXoshiro256Tests
{
    public static TheoryData<ulong> Seeds => new(0UL, 1UL, 42UL, 7UL, 0xDEADBEEFCAFEF00DUL, ulong.MaxValue);

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Native_raw_outputs_and_state_equal_the_CSharp_generator(ulong seed)
    {
        var managed = new Xoshiro256(seed);
        ulong[] state = managed.State;
        var native = new ulong[1000];
        NativeXoshiro256.Next(state, native.AsSpan(0, 1));      // the stream is the same however it is cut into calls
        NativeXoshiro256.Next(state, native.AsSpan(1, 499));
        NativeXoshiro256.Next(state, native.AsSpan(500));
        Assert.Equal(native.Select(_ => managed.NextUInt64()).ToArray(), native);
        Assert.Equal(managed.State, state);
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Native_gaussians_equal_the_CSharp_Box_Muller_to_the_last_bit(ulong seed)
    {
        var managed = new Xoshiro256(seed);
        ulong[] state = managed.State;
        // Cut as the stepper cuts it: one call per step of 3N values, N = 3 (odd) then N = 22 (ALDP, even).
        foreach (int count in new[] { 9, 9, 66, 9, 66 })
        {
            var native = new double[count];
            NativeXoshiro256.Gaussians(state, native);
            double[] expected = GaussianNoise.Draw(count, managed);
            for (int i = 0; i < count; i++)
                Assert.True(BitConverter.DoubleToInt64Bits(expected[i]) == BitConverter.DoubleToInt64Bits(native[i]),
                    $"seed {seed}, value {i} of {count}: C# {expected[i]:R}, C++ {native[i]:R}");
            Assert.Equal(managed.State, state);
        }
    }

    [Fact]
    public void Native_generator_gives_the_published_and_reference_outputs()
    {
        ulong[] state = [1, 2, 3, 4];
        var published = new ulong[Xoshiro256Tests.PublishedFrom1234.Length];
        NativeXoshiro256.Next(state, published);
        Assert.Equal(Xoshiro256Tests.PublishedFrom1234, published);

        foreach (var expected in Xoshiro256Tests.Reference) // tools/xoshiro256_reference.py's output
        {
            ulong[] seeded = (ulong[])expected.State.Clone();
            var next = new ulong[expected.Next.Length];
            NativeXoshiro256.Next(seeded, next);
            Assert.Equal(expected.Next, next);
            Assert.Equal(expected.After, seeded);
        }
    }

    [Fact]
    public void A_state_of_the_wrong_length_is_an_exception()
    {
        Assert.Throws<OpenMMException>(() => NativeXoshiro256.Next(new ulong[3], new ulong[1]));
        Assert.Throws<OpenMMException>(() => NativeXoshiro256.Gaussians(new ulong[5], new double[1]));
    }

    /// <summary>Each step draws ⌈3N/2⌉ Box–Muller pairs, two outputs each, from the state the caller passes.</summary>
    [Theory]
    [InlineData(3, 5)]
    [InlineData(2, 4)]
    public void The_stepper_advances_the_callers_generator_by_its_noise_draws(int particles, int steps)
    {
        using var system = new OpenMMSystem();
        for (int i = 0; i < particles; i++) system.AddParticle(12.0);
        using var integrator = new VerletIntegrator(0.001);
        using var context = new Context(system, integrator);
        var x = Enumerable.Range(0, 3 * particles).Select(k => 0.1 * k).ToArray();
        var v = new double[3 * particles];
        var managed = new Xoshiro256(99);
        ulong[] rng = managed.State;
        LangevinMiddleStepper.Step(context, steps, kT: 2.5, friction: 1.0, stepSize: 0.001, Enumerable.Repeat(12.0, particles).ToArray(),
            x, v, rng, removeCentreOfMassMotion: false);
        int draws = steps * 2 * ((3 * particles + 1) / 2);
        for (int i = 0; i < draws; i++) managed.NextUInt64();
        Assert.Equal(managed.State, rng);
        Assert.Contains(v, value => value != 0);
    }
}
