namespace BoltzmannGen;

/// <summary>
/// Bad input from the user: a missing or malformed file, a wrong atom count, a non-finite coordinate,
/// an unknown name. The message names the file, frame or option; the CLI prints it and exits with code 2.
/// </summary>
public class InputException : Exception
{
    public InputException(string message) : base(message) { }
    public InputException(string message, Exception inner) : base(message, inner) { }
}
