namespace OpenMMSharp;

/// <summary>
/// The xoshiro256** generator inside <see cref="LangevinMiddleStepper"/> (native/bgen_xoshiro256.h), ours and not
/// OpenMM's, exposed on its own so a test can check that it gives the same stream as the C# generator
/// <c>BoltzmannGen.Numerics.Xoshiro256</c> whose state a replica hands to the stepper.
/// </summary>
public static class NativeXoshiro256
{
    /// <summary>Writes the next <c>output.Length</c> raw 64-bit outputs; <paramref name="state"/> (4 words) advances in place.</summary>
    public static unsafe void Next(Span<ulong> state, Span<ulong> output)
    {
        CheckState(state);
        fixed (ulong* s = state)
        fixed (ulong* o = output)
            NativeMethods.Check(NativeMethods.bgen_xoshiro256_next(s, o, output.Length));
    }

    /// <summary>
    /// Writes <c>output.Length</c> standard normals exactly as the stepper draws one step's noise of that many values
    /// (Box–Muller pairs, the last pair's second value dropped when the count is odd); <paramref name="state"/> advances.
    /// </summary>
    public static unsafe void Gaussians(Span<ulong> state, Span<double> output)
    {
        CheckState(state);
        fixed (ulong* s = state)
        fixed (double* o = output)
            NativeMethods.Check(NativeMethods.bgen_xoshiro256_gaussians(s, o, output.Length));
    }

    private static void CheckState(Span<ulong> state)
    {
        if (state.Length != 4) throw new OpenMMException("xoshiro256 state must be 4 words");
    }
}
