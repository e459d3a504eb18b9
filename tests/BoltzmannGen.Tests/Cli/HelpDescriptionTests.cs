using System.ComponentModel;
using System.Reflection;
using BoltzmannGen.Cli;
using Spectre.Console.Cli;

namespace BoltzmannGen.Tests.Cli;

/// <summary>Every option and argument in `--help` says what it does (issue 20, item 21: eleven options had no description).</summary>
public class HelpDescriptionTests
{
    /// <summary>Each command of the CLI with the settings type it parses (Command&lt;TSettings&gt;).</summary>
    public static TheoryData<string> Commands()
    {
        var data = new TheoryData<string>();
        foreach (var type in CommandTypes()) data.Add(type.Name);
        return data;
    }

    private static IEnumerable<Type> CommandTypes() =>
        typeof(BgenApp).Assembly.GetTypes().Where(t => !t.IsAbstract && typeof(ICommand).IsAssignableFrom(t)).OrderBy(t => t.Name);

    private static Type SettingsOf(Type command)
    {
        for (var t = command; t is not null; t = t.BaseType)
            if (t.IsGenericType && t.GetGenericArguments() is [var settings] && typeof(CommandSettings).IsAssignableFrom(settings)) return settings;
        throw new InvalidOperationException($"{command.Name} has no settings type");
    }

    [Fact]
    public void Every_command_of_the_cli_is_checked()
    {
        var names = CommandTypes().Select(t => t.Name).ToList();
        Assert.Contains("SimulateCommand", names);
        Assert.Contains("TeacherSampleCommand", names);
        Assert.True(names.Count >= 20, string.Join(", ", names));
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void Every_option_and_argument_has_a_description(string command)
    {
        var settings = SettingsOf(CommandTypes().Single(t => t.Name == command));
        var missing = new List<string>();
        int options = 0;
        foreach (var property in settings.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            string? name = property.GetCustomAttribute<CommandOptionAttribute>() is { } o ? string.Join("|", o.LongNames.Select(n => "--" + n))
                : property.GetCustomAttribute<CommandArgumentAttribute>() is { } a ? a.ValueName : null;
            if (name is null) continue;
            options++;
            if (string.IsNullOrWhiteSpace(property.GetCustomAttribute<DescriptionAttribute>()?.Description)) missing.Add(name);
        }
        Assert.True(missing.Count == 0, $"{command}: no description for {string.Join(", ", missing)}");
        if (command is not ("BenchAllCommand" or "SystemsCommand")) Assert.True(options > 0, $"{command}: no options found");
    }
}
