namespace OpenMMSharp;

/// <summary>An error reported by OpenMM (its own message), or a misuse of the bindings detected before calling it.</summary>
public sealed class OpenMMException : Exception
{
    public OpenMMException(string message) : base(message) { }
}
