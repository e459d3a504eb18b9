using System.Text.RegularExpressions;

namespace BoltzmannGen;

/// <summary>
/// Bad input from the user: a missing or malformed file, a wrong atom count, a non-finite coordinate,
/// an unknown name. The message names the file, frame or option; the CLI prints it and exits with code 2.
/// </summary>
public partial class InputException : Exception
{
    public InputException(string message) : base(message) { }
    public InputException(string message, Exception inner) : base(message, inner) { }

    /// <summary>
    /// An exception's message as a user should read it: without what .NET appends to argument exceptions
    /// (" (Parameter 'name')", "Actual value was …"), which names code, not options.
    /// </summary>
    public static string Plain(Exception e) => Plain(e.Message);

    /// <inheritdoc cref="Plain(Exception)"/>
    public static string Plain(string message)
    {
        string text = ParameterSuffix().Replace(message, "");
        text = ActualValueLine().Replace(text, "");
        return text.Trim();
    }

    /// <summary>An argument exception from a library check (an option's value it refused) as an InputException with a plain message.</summary>
    public static InputException From(ArgumentException e, string? prefix = null) =>
        new(prefix is null ? Plain(e) : $"{prefix}{Plain(e)}", e);

    [GeneratedRegex(@" ?\(Parameter '[^']*'\)")]
    private static partial Regex ParameterSuffix();

    [GeneratedRegex(@"\r?\n?Actual value was [^\n]*")]
    private static partial Regex ActualValueLine();
}
