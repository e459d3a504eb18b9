using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using BoltzmannGen.Optimisation;
using BoltzmannGen.Systems;
using BoltzmannGen.Teacher.FlowMatching;
using BoltzmannGen.Teacher.Networks;
using BoltzmannGen.Teacher.Ode;
using BoltzmannGen.Teacher;
using Spectre.Console.Cli;
using Spectre.Console;
using TorchSharp;
using static TorchSharp.torch;

namespace BoltzmannGen.Cli.Commands;

/// <summary>
/// `bgen bench teacher`: what the CNF teacher costs at a system's size — one coupling per batch (each kind),
/// flow-matching training steps/s, reflow pairs/s (ODE without divergence) and samples with exact log q per
/// second (ODE with the exact divergence) — the speed FORT's one-pass student is meant to beat.
/// </summary>
public sealed class BenchTeacherCommand : Command<BenchTeacherCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--system <NAME>")]
        [Description("Peptide system to benchmark on.")]
        [DefaultValue("aldp")]
        public string System { get; init; } = "aldp";

        [CommandOption("--nets <LIST>")]
        [Description("Comma-separated velocity networks: egnn, mlp.")]
        [DefaultValue("egnn,mlp")]
        public string Nets { get; init; } = "egnn,mlp";

        [CommandOption("--batch <N>")]
        [Description("Training batch.")]
        [DefaultValue(128)]
        public int Batch { get; init; } = 128;

        [CommandOption("--layers <N>")]
        [Description("Layers of each network.")]
        [DefaultValue(4)]
        public int Layers { get; init; } = 4;

        [CommandOption("--hidden <N>")]
        [Description("Hidden width of each network.")]
        [DefaultValue(64)]
        public int Hidden { get; init; } = 64;

        [CommandOption("--ode-steps <N>")]
        [Description("RK4 steps for reflow and sampling.")]
        [DefaultValue(10)]
        public int OdeSteps { get; init; } = 10;

        [CommandOption("--sample-batch <N>")]
        [Description("Conformations per exact-likelihood sampling call (the exact divergence costs one backward pass per dimension).")]
        [DefaultValue(20)]
        public int SampleBatch { get; init; } = 20;

        [CommandOption("--seconds <S>")]
        [Description("Minimum time per measurement.")]
        [DefaultValue(5.0)]
        public double Seconds { get; init; } = 5.0;
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var system = SystemCatalog.Default().Get(settings.System);
        int atoms = system.AtomCount, d = 3 * atoms;
        using var frames = MeanFreeGaussian.Centre(randn([2048, d], generator: new Generator(1)), atoms);

        var couplings = new Table().Title($"Teacher couplings on {system.Name} (batch {settings.Batch}, {torch.get_num_threads()} threads)")
            .AddColumns("coupling", "ms per batch");
        foreach (var kind in new[] { CouplingKind.Independent, CouplingKind.Ot, CouplingKind.EquivariantOt })
        {
            using var x0 = MeanFreeGaussian.Centre(randn([settings.Batch, d]), atoms);
            using var x1 = frames[..settings.Batch];
            double rate = Rate(() => { using var r = Couplings.Apply(kind, x0, x1); }, settings.Seconds / 2);
            couplings.AddRow(Couplings.Name(kind), F(1000 / rate));
        }
        AnsiConsole.Write(couplings);

        var table = new Table().Title($"Teacher CNF on {system.Name} ({settings.Layers} layers × {settings.Hidden}, RK4 {settings.OdeSteps} steps)")
            .AddColumns("net", "parameters", $"training steps/s (batch {settings.Batch}, independent)", "reflow pairs/s (batch 1,000)", $"samples + exact log q /s (batch {settings.SampleBatch})");
        foreach (var net in settings.Nets.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var network = VelocityNetworks.Create(net, AtomFeatures.FromTopology(system.Topology), new VelocityHyperparameters { Layers = settings.Layers, Hidden = settings.Hidden });
            using var model = new TeacherModel(network, 0.3);
            using var objective = new FlowMatchingObjective(frames, CouplingKind.Independent, 0, randomRotations: net == "mlp");
            var optimizer = new AdamW(model.parameters(), 1e-4, 0.0);
            using var generator = new Generator(2);
            double train = Rate(() =>
            {
                using var fence = FinalizerFence.Enter();
                using var scope = NewDisposeScope();
                optimizer.zero_grad();
                objective.Loss(network, settings.Batch, generator).backward();
                optimizer.step();
            }, settings.Seconds);
            var options = new CnfOptions { Solver = "rk4", Steps = settings.OdeSteps };
            model.eval();
            double reflow = 1000 * Rate(() =>
            {
                using var scope = NewDisposeScope();
                _ = model.Flow(options).Transport(model.Prior.Sample(1000, generator)).sum().item<float>();
            }, settings.Seconds);
            double sampling = settings.SampleBatch * Rate(() =>
            {
                using var scope = NewDisposeScope();
                _ = model.Sample(settings.SampleBatch, generator, options).LogQ.sum().item<double>();
            }, settings.Seconds);
            table.AddRow(net, network.ParameterCount.ToString("N0", CultureInfo.InvariantCulture), F(train), F(reflow), F(sampling));
        }
        AnsiConsole.Write(table);
        return 0;
    }

    private static string F(double v) => v.ToString(v >= 100 ? "N0" : "F2", CultureInfo.InvariantCulture);

    /// <summary>Calls per second of <paramref name="action"/> after one warm-up call, over at least <paramref name="seconds"/>.</summary>
    internal static double Rate(Action action, double seconds)
    {
        action();
        int calls = 0;
        var clock = Stopwatch.StartNew();
        do { action(); calls++; } while (clock.Elapsed.TotalSeconds < seconds);
        return calls / clock.Elapsed.TotalSeconds;
    }
}
