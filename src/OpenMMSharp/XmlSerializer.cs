namespace OpenMMSharp;

/// <summary>OpenMM's XML serialization of a System (the format of forcefields/*/system.xml).</summary>
public static class XmlSerializer
{
    /// <summary>Parses a serialized System; malformed XML raises <see cref="OpenMMException"/> with OpenMM's message.</summary>
    public static OpenMMSystem DeserializeSystem(string xml)
    {
        NativeMethods.Check(NativeMethods.omms_XmlSerializer_deserializeSystem(xml, out IntPtr pointer));
        return new OpenMMSystem(new SystemHandle(pointer));
    }

    public static string SerializeSystem(OpenMMSystem system)
    {
        NativeMethods.Check(NativeMethods.omms_XmlSerializer_serializeSystem(system.Handle, out IntPtr xml, out int length));
        return NativeMethods.TakeString(xml, length);
    }
}

/// <summary>L-BFGS energy minimisation of a Context's positions (OpenMM's LocalEnergyMinimizer).</summary>
public static class LocalEnergyMinimizer
{
    /// <param name="tolerance">RMS force tolerance, kJ/mol/nm</param>
    /// <param name="maxIterations">0 = until converged</param>
    public static void Minimize(Context context, double tolerance = 10, int maxIterations = 0) =>
        NativeMethods.Check(NativeMethods.omms_LocalEnergyMinimizer_minimize(context.Handle, tolerance, maxIterations));
}
