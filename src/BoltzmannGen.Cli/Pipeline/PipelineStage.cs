namespace BoltzmannGen.Cli.Pipeline;

/// <summary>
/// One stage of `bgen run`: the bgen command that does it (so a stage is exactly what a user could type), the
/// files or folders it writes, and whether a killed stage can continue with --resume.
/// </summary>
public sealed record PipelineStage(string Name, string Description, string[] Arguments, string[] Outputs, bool Resumable)
{
    /// <summary>Set by the runner: hash of this stage's arguments, config text and upstream hashes.</summary>
    public string Hash { get; init; } = "";

    /// <summary>Extra text the hash covers (e.g. the YAML of a config file the arguments point to).</summary>
    public string ConfigText { get; init; } = "";

    public string CommandLine => "bgen " + string.Join(' ', Arguments.Select(a => a.Contains(' ') ? $"\"{a}\"" : a));
}
