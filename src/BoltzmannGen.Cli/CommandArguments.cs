using System.Collections;
using System.Globalization;
using System.Reflection;
using Spectre.Console.Cli;

namespace BoltzmannGen.Cli;

/// <summary>
/// A command's settings object written back as the arguments that parse into it: every option whose value differs
/// from a fresh settings object's, by its long name, then the positional arguments. `bgen run` prints and hashes
/// its stages this way, and a scheduler can run them elsewhere; `CommandArgumentsTests` checks that parsing the
/// rendered arguments gives the same settings.
/// </summary>
public static class CommandArguments
{
    public static string[] Render(CommandSettings settings)
    {
        var fresh = Activator.CreateInstance(settings.GetType())!;
        var options = new List<string>();
        var positional = new SortedDictionary<int, object?>();
        foreach (var property in Properties(settings.GetType()))
        {
            object? value = property.GetValue(settings);
            if (property.GetCustomAttribute<CommandArgumentAttribute>() is { } argument)
            {
                positional[argument.Position] = value;
                continue;
            }
            var option = property.GetCustomAttribute<CommandOptionAttribute>()!;
            if (value is null || Same(value, property.GetValue(fresh))) continue;
            string name = option.LongNames.Count > 0 ? "--" + option.LongNames[0] : "-" + option.ShortNames[0];
            if (value is bool flag)
            {
                if (flag) options.Add(name);
                else throw new InvalidOperationException($"{name}: a flag that is on by default cannot be switched off on the command line.");
            }
            else options.AddRange([name, Format(value)]);
        }
        foreach (var value in positional.Values)
        {
            if (value is IEnumerable list and not string) options.AddRange(list.Cast<object>().Select(Format));
            else if (value is not null) options.Add(Format(value));
        }
        return [.. options];
    }

    /// <summary>"bgen ARGS", each argument quoted when it holds a space.</summary>
    public static string CommandLine(IEnumerable<string> arguments) =>
        "bgen " + string.Join(' ', arguments.Select(a => a.Length == 0 || a.Contains(' ') ? $"\"{a}\"" : a));

    /// <summary>Option and argument properties, base class first (the order `--help` shows them in).</summary>
    private static IEnumerable<PropertyInfo> Properties(Type type)
    {
        var chain = new List<Type>();
        for (var t = type; t is not null && t != typeof(CommandSettings); t = t.BaseType) chain.Insert(0, t);
        return chain.SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Where(p => p.GetCustomAttribute<CommandOptionAttribute>() is not null || p.GetCustomAttribute<CommandArgumentAttribute>() is not null);
    }

    private static bool Same(object value, object? fresh) =>
        value is IEnumerable a and not string && fresh is IEnumerable b and not string
            ? a.Cast<object>().SequenceEqual(b.Cast<object>())
            : value.Equals(fresh);

    // "R" keeps every bit of a double, so the parsed value equals the rendered one.
    private static string Format(object value) => value switch
    {
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
