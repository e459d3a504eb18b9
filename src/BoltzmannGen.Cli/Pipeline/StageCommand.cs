using System.Text.Json;
using Spectre.Console.Cli;

namespace BoltzmannGen.Cli.Pipeline;

/// <summary>
/// One bgen command as a typed stage: its settings object holds the options (what the stage hashes, prints and
/// could run elsewhere), and <see cref="Execute"/> runs the command in this process without parsing anything.
/// </summary>
public abstract record StageCommand(string[] Path)
{
    public abstract CommandSettings Options { get; }

    /// <summary>The arguments after `bgen` that parse into <see cref="Options"/> (<see cref="CommandArguments"/>).</summary>
    public string[] Arguments => [.. Path, .. CommandArguments.Render(Options)];

    public string CommandLine => CommandArguments.CommandLine(Arguments);

    /// <summary>The options as JSON: what the stage ledger's hash covers.</summary>
    public string OptionsJson => JsonSerializer.Serialize(Options, Options.GetType());

    /// <summary>The same command continuing from its checkpoint (its settings' `--resume`).</summary>
    public abstract StageCommand Resumed();

    /// <summary>Runs the command in this process; returns its exit code. Bad input throws InputException.</summary>
    public abstract int Execute(CancellationToken cancellation);
}

/// <summary>A stage running <typeparamref name="TCommand"/> with <see cref="Settings"/>.</summary>
public sealed record StageCommand<TCommand, TSettings>(string[] Path, TSettings Settings) : StageCommand(Path)
    where TCommand : Command<TSettings>, new()
    where TSettings : CommandSettings, new()
{
    public override CommandSettings Options => Settings;

    public override StageCommand Resumed()
    {
        var resume = typeof(TSettings).GetProperty("Resume")
                     ?? throw new InvalidOperationException($"{string.Join(' ', Path)} has no --resume.");
        var copy = (TSettings)JsonSerializer.Deserialize(OptionsJson, typeof(TSettings))!;
        resume.SetValue(copy, true);
        return this with { Settings = copy };
    }

    public override int Execute(CancellationToken cancellation)
    {
        var validation = Settings.Validate();
        if (!validation.Successful) throw new InputException(validation.Message ?? $"{CommandLine}: invalid options.");
        var context = new CommandContext(Arguments, NoRemainingArguments.Instance, Path[^1], PipelineContext.Instance);
        return new TCommand().Execute(context, Settings, cancellation);
    }

    private sealed class NoRemainingArguments : IRemainingArguments
    {
        public static readonly NoRemainingArguments Instance = new();
        public ILookup<string, string?> Parsed { get; } = Array.Empty<string>().ToLookup(s => s, s => (string?)s);
        public IReadOnlyList<string> Raw { get; } = [];
    }
}

/// <summary>CommandContext.Data of a command run as a stage of `bgen run` (messages then speak of rerunning the run).</summary>
public sealed class PipelineContext
{
    public static readonly PipelineContext Instance = new();
    private PipelineContext() { }
}
