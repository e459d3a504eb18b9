namespace BoltzmannGen.Cli.Pipeline;

/// <summary>
/// One stage of `bgen run`: the typed bgen command that does it (so a stage is exactly what a user could type), the
/// files or folders it writes, and whether a killed stage can continue with --resume.
/// </summary>
public sealed record PipelineStage(string Name, string Description, StageCommand Command, string[] Outputs, bool Resumable)
{
    /// <summary>Set by the plan: hash of this stage's options, config text and upstream hashes.</summary>
    public string Hash { get; init; } = "";

    /// <summary>
    /// The hashes this stage's hash was built on: of the stages it needs (<see cref="PipelinePlan.Needs"/>), or a
    /// shipped dataset's.
    /// </summary>
    public string[] Upstream { get; init; } = [];

    /// <summary>
    /// Stages of one group (the independent MD runs of `simulate.seeds`) need nothing of each other: under Slurm they
    /// run side by side as the tasks of one array job.
    /// </summary>
    public string? Group { get; init; }

    /// <summary>Extra text the hash covers (e.g. the YAML of a config file the options point to).</summary>
    public string ConfigText { get; init; } = "";

    public string[] Arguments => Command.Arguments;

    public string CommandLine => Command.CommandLine;
}
