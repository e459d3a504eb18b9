using BoltzmannGen.Cli.Commands;
using Spectre.Console;
using Spectre.Console.Cli;

namespace BoltzmannGen.Cli;

/// <summary>
/// The `bgen` command tree. Bad input and OpenMM errors end in one line and exit code 2; anything else (a bug) in one
/// "internal error" line and exit code 1, its details in a crash log; never a stack trace.
/// </summary>
public static class BgenApp
{
    public const int InputError = 2;
    public const int InternalError = 1;
    public const int Interrupted = 130;

    /// <summary>Set to 1 to have an internal error's full text on stderr as well as in its crash log.</summary>
    public const string VerboseVariable = "BGEN_VERBOSE";

    /// <param name="errors">Where the one-line error goes (stderr by default; tests pass a StringWriter).</param>
    public static int Run(string[] args, TextWriter? errors = null) =>
        Guard(args, errors ?? Console.Error, Environment.GetEnvironmentVariable(VerboseVariable) == "1", () => Execute(args, errors));

    /// <summary>Parses and runs a command; user errors become one line and exit code 2, anything else propagates to <see cref="Guard"/>.</summary>
    private static int Execute(string[] args, TextWriter? errors)
    {
        var app = new CommandApp();
        app.Configure(Configure);
        try
        {
            return app.Run(NormaliseArguments(args));
        }
        catch (Exception e) when (IsUserError(e))
        {
            (errors ?? Console.Error).WriteLine($"error: {OptionErrors.Message(e, args)}");
            return InputError;
        }
    }

    /// <summary>The command tree: every command, its name, description and examples.</summary>
    private static void Configure(IConfigurator config)
    {
        config.SetApplicationName("bgen");
        config.PropagateExceptions();
        config.UseStrictParsing(); // a mistyped option is an error, not silently ignored
        config.AddCommand<RunCommand>("run")
            .WithDescription("The whole pipeline: dataset → teacher → targets → flow → sample → reweight → report, resumable.")
            .WithExample("run", "--system", "aldp")
            .WithExample("run", "--system", "aldp", "--preset", "full");
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
        config.AddCommand<PoolCommand>("pool")
            .WithDescription("Pool independent MD runs of the same protocol into a dataset's free-energy reference (ΔF, profiles).")
            .WithExample("pool", "--into", "data/aldp", "runs/md/aldp-s12", "runs/md/aldp-s13");
        config.AddCommand<TargetsCommand>("targets")
            .WithDescription("FORT regression pairs: exact optimal transport to MD frames, or reflow through the teacher CNF.")
            .WithExample("targets", "--system", "aldp", "--kind", "ot", "--data", "data/aldp", "--pairs", "20000", "--out", "runs/aldp-ot/targets.npz");
        config.AddBranch("teacher", teacher =>
        {
            teacher.SetDescription("The flow-matching CNF teacher: train it, sample it (exact log q by the integrated divergence).");
            teacher.AddCommand<TeacherTrainCommand>("train")
                .WithDescription("Train the teacher CNF on MD frames by flow matching.")
                .WithExample("teacher", "train", "--system", "aldp", "--data", "data/aldp", "--out", "runs/aldp/teacher");
            teacher.AddCommand<TeacherSampleCommand>("sample")
                .WithDescription("Sample the teacher CNF with log q (ODE + divergence).")
                .WithExample("teacher", "sample", "--model", "runs/aldp/teacher", "--n", "2000", "--out", "runs/aldp/cnf-samples.npz");
        });
        config.AddCommand<TrainCommand>("train")
            .WithDescription("Train a normalizing flow by FORT (regression onto targets) or by maximum likelihood.")
            .WithExample("train", "--system", "aldp", "--objective", "fort", "--arch", "nsf", "--targets", "runs/aldp-ot/targets.npz", "--out", "runs/aldp-ot/flow");
        config.AddCommand<FinetuneCommand>("finetune")
            .WithDescription("Continue a trained flow against the force field: reverse KL, reweighted ML, FORT anchor; keeps the weights of the best ESS.")
            .WithExample("finetune", "--model", "runs/aldp-quick/flow", "--out", "runs/aldp-quick/finetuned", "--data", "data/aldp");
        config.AddCommand<SampleCommand>("sample")
            .WithDescription("Sample conformations with exact log q from a trained flow.")
            .WithExample("sample", "--model", "runs/aldp-ot/flow", "--n", "100000", "--out", "runs/aldp-ot/samples.npz");
        config.AddCommand<MergeCommand>("merge")
            .WithDescription("Concatenate sample shards (bgen sample with their own seeds, reweighted or not) into one samples.npz; --clip-top clips the merged weights.")
            .WithExample("merge", "--out", "runs/aldp/samples.npz", "runs/aldp/shards/sample-0.npz", "runs/aldp/shards/sample-1.npz");
        config.AddCommand<SmcCommand>("smc")
            .WithDescription("Annealed importance sampling / SMC from a trained flow to the Boltzmann density (Langevin moves in the latent space), weighted particles with log Z.")
            .WithExample("smc", "--model", "runs/aldp-quick/flow", "--n", "1024", "--out", "runs/aldp-quick/smc.npz");
        config.AddCommand<LogqCommand>("logq")
            .WithDescription("Exact log-density of given conformations under a trained flow.")
            .WithExample("logq", "--model", "runs/aldp-ot/flow", "--input", "frames.npy", "--out", "logq.npy");
        config.AddCommand<ReweightCommand>("reweight")
            .WithDescription("Energies, validity and importance weights (ESS) of samples, added to samples.npz.")
            .WithExample("reweight", "--system", "aldp", "--samples", "runs/aldp-ot/samples.npz");
        config.AddCommand<ReportCommand>("report")
            .WithDescription("Metrics against MD (ESS, E-W1/E-W2, T-W2, NLL, ΔF), free-energy plots and report.json/.md/.html.")
            .WithExample("report", "--system", "aldp", "--samples", "runs/aldp/samples.npz", "--reference", "data/aldp", "--out", "runs/aldp/report");
        config.AddCommand<CompareCommand>("compare")
            .WithDescription("Several runs' reports side by side: table (md, csv, html) and bar plots.")
            .WithExample("compare", "runs/aldp-quick/report", "runs/aldp-mle/report", "--out", "comparison");
        config.AddBranch("bench", bench =>
        {
            bench.SetDescription("Benchmarks that print throughput figures; `bgen bench` alone runs them all.");
            bench.SetDefaultCommand<BenchAllCommand>();
            bench.AddCommand<BenchEnergyCommand>("energy")
                .WithDescription("Energy evaluations per second: batched over threads vs one conformation at a time.");
            bench.AddCommand<BenchSimulateCommand>("simulate")
                .WithDescription("Langevin MD throughput in ns/day, one replica and one per core.");
            bench.AddCommand<BenchTeacherCommand>("teacher")
                .WithDescription("Teacher CNF: coupling cost, training steps/s, reflow pairs/s, samples with exact log q per second.");
            bench.AddCommand<BenchFlowsCommand>("flows")
                .WithDescription("Flow training steps/s (FORT, MLE) and samples with log q per second, per architecture.");
        });
    }

    // The documented `--n 100000` is a one-letter long option, which the parser refuses; it means -n.
    private static string[] NormaliseArguments(string[] args) =>
        args.Select(a => a == "--n" ? "-n" : a.StartsWith("--n=", StringComparison.Ordinal) ? "-n=" + a[4..] : a).ToArray();

    /// <summary>
    /// Parses a command line into the settings object its command would run with, without running it (how a stage's
    /// rendered command line is checked to mean the same options). Invalid arguments throw.
    /// </summary>
    public static CommandSettings Parse(string[] args)
    {
        var capture = new SettingsCapture();
        var app = new CommandApp();
        app.Configure(config =>
        {
            Configure(config);
            config.SetInterceptor(capture);
        });
        try
        {
            app.Run(NormaliseArguments(args));
        }
        catch (SettingsCapture.Captured)
        {
            return capture.Settings!;
        }
        throw new InvalidOperationException($"bgen {string.Join(' ', args)} ran no command.");
    }

    /// <summary>Takes the parsed settings and stops before the command runs.</summary>
    private sealed class SettingsCapture : ICommandInterceptor
    {
        public sealed class Captured : Exception;

        public CommandSettings? Settings { get; private set; }

        public void Intercept(CommandContext context, CommandSettings settings)
        {
            Settings = settings;
            throw new Captured();
        }

        public void InterceptResult(CommandContext context, CommandSettings settings, ref int result) { }
    }

    /// <summary>
    /// The CLI boundary: runs <paramref name="body"/>; an exception that escapes it (not a user error, which
    /// <see cref="Execute"/> already turned into exit code 2) becomes one line, "error: internal error: MESSAGE —
    /// please report it; details in LOG", and exit code 1. LOG ($TMPDIR/bgen-crash-TIME-PID.log) holds the command
    /// line and the full exception; with <paramref name="verbose"/> it is printed to <paramref name="errors"/> too.
    /// A cancellation that escapes a command ends with exit code 130, like those the commands handle.
    /// </summary>
    public static int Guard(string[] args, TextWriter errors, bool verbose, Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (IsUserError(e))
        {
            errors.WriteLine($"error: {OneLine(OptionErrors.Message(e, args))}");
            return InputError;
        }
        catch (OperationCanceledException)
        {
            errors.WriteLine("stopped.");
            return Interrupted;
        }
        catch (Exception e)
        {
            string details = CrashLog(args, e, out string? where);
            errors.WriteLine($"error: internal error: {OneLine(e.Message)} — please report it; " +
                             (where is null ? "no crash log could be written, details follow" : $"details in {where}"));
            if (verbose || where is null) errors.WriteLine(details);
            return InternalError;
        }
    }

    /// <summary>Writes the crash log; returns its text, and its path in <paramref name="path"/> (null if it could not be written).</summary>
    private static string CrashLog(string[] args, Exception e, out string? path)
    {
        var now = DateTime.UtcNow;
        string details = $"bgen {string.Join(" ", args)}\n" +
                         $"time: {now.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture)}\n" +
                         $"pid: {Environment.ProcessId}\n" +
                         $"version: {typeof(BgenApp).Assembly.GetName().Version}, .NET {Environment.Version}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}\n\n" +
                         e;
        try
        {
            path = Path.Combine(Path.GetTempPath(),
                $"bgen-crash-{now.ToString("yyyyMMdd-HHmmss-fff", System.Globalization.CultureInfo.InvariantCulture)}-{Environment.ProcessId}.log");
            File.AppendAllText(path, details + "\n");
        }
        catch (Exception) // the report must not fail on a full or read-only temporary folder
        {
            path = null;
        }
        return details;
    }

    /// <summary>The first non-empty line (libtorch's messages run to many lines).</summary>
    private static string OneLine(string message) =>
        message.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? "(no message)";

    private static bool IsUserError(Exception e) =>
        e is InputException or OpenMMSharp.OpenMMException or CommandParseException or CommandRuntimeException
            or UnauthorizedAccessException or DirectoryNotFoundException or FileNotFoundException;
}
