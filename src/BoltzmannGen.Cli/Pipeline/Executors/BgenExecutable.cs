using System.Reflection;

namespace BoltzmannGen.Cli.Pipeline.Executors;

/// <summary>The bgen program Slurm jobs run: this process's own executable (the apphost `./bgen` builds and runs).</summary>
public static class BgenExecutable
{
    public static string Path
    {
        get
        {
            if (Assembly.GetEntryAssembly()?.GetName().Name == "bgen" && Environment.ProcessPath is { } self
                && System.IO.Path.GetFileNameWithoutExtension(self) == "bgen")
                return self;
            // In-process (tests): the apphost beside the CLI assembly.
            string beside = System.IO.Path.Combine(AppContext.BaseDirectory, "bgen");
            return File.Exists(beside) ? beside : throw new InputException($"--executor slurm: no bgen executable found (looked for {beside}).");
        }
    }
}
