using System.Reflection;
using BoltzmannGen.Optimisation;
using Spectre.Console.Cli;

namespace BoltzmannGen.Cli;

/// <summary>
/// User errors in the user's words. The parser reports a value it cannot convert as "Failed to convert '2000000000000'
/// to Nullable`1" without naming the option; this finds the option on the command line and says what it takes
/// ("--n: '2000000000000' is too large: the largest whole number allowed is 2147483647"). Every other message loses
/// what .NET appends to argument exceptions (" (Parameter 'name')").
/// </summary>
public static class OptionErrors
{
    private const string ConversionPrefix = "Failed to convert '";

    public static string Message(Exception e, IReadOnlyList<string> args)
    {
        if (e is CommandRuntimeException or CommandParseException && e.Message.StartsWith(ConversionPrefix, StringComparison.Ordinal)
            && ConversionMessage(e.Message, args) is { } readable)
            return readable;
        return InputException.Plain(e);
    }

    private static string? ConversionMessage(string message, IReadOnlyList<string> args)
    {
        int end = message.IndexOf("' to ", ConversionPrefix.Length, StringComparison.Ordinal);
        if (end < 0) return null;
        string value = message[ConversionPrefix.Length..end];
        string? option = OptionGiven(value, args);
        var type = option is null ? null : OptionType(option);
        string problem = type is null ? $"'{value}' is not a valid value."
            : type == typeof(int) ? YamlConfig.WholeNumberProblem(value, int.MinValue, int.MaxValue)
            : type == typeof(long) ? YamlConfig.WholeNumberProblem(value, long.MinValue, long.MaxValue)
            : type == typeof(double) || type == typeof(float) ? $"'{value}' is not a number (e.g. 0.5 or 1e-3)."
            : type == typeof(bool) ? $"'{value}' is not true or false."
            : $"'{value}' is not a valid value.";
        // Enumerations list their values after the first sentence ("Valid values are 'a', 'b'").
        int valid = message.IndexOf(" Valid values are ", StringComparison.Ordinal);
        if (valid >= 0) problem += message[valid..];
        return option is null ? $"{problem.TrimEnd('.')} for an option of this command (see --help)." : $"{option}: {problem}";
    }

    /// <summary>The option the value was given to: "--opt VALUE" or "--opt=VALUE" ("-n" is shown as --n, as documented).</summary>
    private static string? OptionGiven(string value, IReadOnlyList<string> args)
    {
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            if (!a.StartsWith('-')) continue;
            int eq = a.IndexOf('=');
            if (eq > 0 && a[(eq + 1)..] == value) return Display(a[..eq]);
            if (eq < 0 && i + 1 < args.Count && args[i + 1] == value) return Display(a);
        }
        return null;
    }

    private static string Display(string option) => option == "-n" ? "--n" : option;

    /// <summary>The type of the option's property (without Nullable) in the command settings that declare it, if all agree.</summary>
    private static Type? OptionType(string option)
    {
        string name = option.TrimStart('-');
        var types = typeof(BgenApp).Assembly.GetTypes()
            .Where(t => typeof(CommandSettings).IsAssignableFrom(t))
            .SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Where(p => p.GetCustomAttribute<CommandOptionAttribute>() is { } a && (a.LongNames.Contains(name) || a.ShortNames.Contains(name)))
            .Select(p => Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType)
            .Distinct().ToList();
        return types.Count == 1 ? types[0] : null;
    }
}
