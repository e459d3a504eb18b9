using BoltzmannGen.Cli.Commands;
using Spectre.Console;
using Spectre.Console.Cli;

namespace BoltzmannGen.Cli;

/// <summary>The `bgen` command tree. Bad input and OpenMM errors end in one red line and exit code 2, never a stack trace.</summary>
public static class BgenApp
{
    public const int InputError = 2;

    /// <param name="errors">Where the one-line error goes (stderr by default; tests pass a StringWriter).</param>
    public static int Run(string[] args, TextWriter? errors = null)
    {
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("bgen");
            config.PropagateExceptions();
            config.UseStrictParsing(); // a mistyped option is an error, not silently ignored
            config.AddCommand<SystemsCommand>("systems")
                .WithDescription("List the peptide systems: molecule, atoms, force field, solvent, temperature.");
            config.AddCommand<EnergyCommand>("energy")
                .WithDescription("Potential energies (and forces) of conformations from a PDB, NPY or DCD file.")
                .WithExample("energy", "--system", "aldp", "--input", "frames.npy", "--out", "energies.csv");
            config.AddCommand<SimulateCommand>("simulate")
                .WithDescription("Reference MD (Langevin, independent replicas or replica exchange) written as a dataset.")
                .WithExample("simulate", "--system", "aldp", "--ns", "100", "--out", "data/aldp", "--temperatures", "300,330,365,400");
            config.AddCommand<AutocorrCommand>("autocorr")
                .WithDescription("Integrated autocorrelation times and effective sample counts of a dataset.")
                .WithExample("autocorr", "data/aldp");
            config.AddBranch("bench", bench =>
            {
                bench.SetDescription("Benchmarks that print throughput figures.");
                bench.AddCommand<BenchEnergyCommand>("energy")
                    .WithDescription("Energy evaluations per second: batched over threads vs one conformation at a time.");
                bench.AddCommand<BenchSimulateCommand>("simulate")
                    .WithDescription("Langevin MD throughput in ns/day, one replica and one per core.");
            });
        });

        try
        {
            return app.Run(args);
        }
        catch (Exception e) when (IsUserError(e))
        {
            (errors ?? Console.Error).WriteLine($"error: {e.Message}");
            return InputError;
        }
    }

    private static bool IsUserError(Exception e) =>
        e is InputException or OpenMMSharp.OpenMMException or CommandParseException or CommandRuntimeException
            or UnauthorizedAccessException or DirectoryNotFoundException or FileNotFoundException;
}
