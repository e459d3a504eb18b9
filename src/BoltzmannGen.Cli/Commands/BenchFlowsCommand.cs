using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using BoltzmannGen.Flows;
using BoltzmannGen.Optimisation;
using BoltzmannGen.Systems;
using BoltzmannGen.Training;
using Spectre.Console.Cli;
using Spectre.Console;
using TorchSharp;
using static TorchSharp.torch;

namespace BoltzmannGen.Cli.Commands;

/// <summary>
/// `bgen bench flows`: for each architecture at a system's size, training steps/s for FORT and MLE (batch 512,
/// default hyperparameters) and samples-with-log-q per second (batch 10,000). Synthetic inputs: throughput does
/// not depend on the data.
/// </summary>
public sealed class BenchFlowsCommand : Command<BenchFlowsCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--system <NAME>")]
        [Description("Peptide system to benchmark on.")]
        [DefaultValue("aldp")]
        public string System { get; init; } = "aldp";

        [CommandOption("--archs <LIST>")]
        [Description("Comma-separated flow architectures: resnvp, nsf, tarflow.")]
        [DefaultValue("resnvp,nsf,tarflow")]
        public string Archs { get; init; } = "resnvp,nsf,tarflow";

        [CommandOption("--seconds <S>")]
        [Description("Minimum time per measurement.")]
        [DefaultValue(5.0)]
        public double Seconds { get; init; } = 5.0;

        [CommandOption("--device <DEVICE>")]
        [Description("cpu, cuda or auto (cuda when available).")]
        [DefaultValue("auto")]
        public string Device { get; init; } = "auto";
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var system = SystemCatalog.Default().Get(settings.System);
        var device = TorchDevices.Resolve(settings.Device);
        var table = new Table().Title($"Flows on {system.Name} ({3 * system.AtomCount - 3} dims, {device.type}, {torch.get_num_threads()} threads)")
            .AddColumns("arch", "parameters", "FORT steps/s (512)", "MLE steps/s (512)", "samples+log q /s (10,000)");
        foreach (var arch in settings.Archs.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var config = new TrainingConfig { Arch = arch, BatchSize = 512, RandomRotations = true, Device = settings.Device };
            var info = new ModelInfo
            {
                System = system.Name, Atoms = system.AtomCount, Arch = arch, Scale = 0.3,
                Hyperparameters = config.FlowHyperparameters(),
            };
            using var model = ModelDirectory.Build(info);
            model.to(device);
            long parameters = model.parameters().Sum(p => p.numel());
            var x = randn([4096, system.AtomCount, 3], dtype: float32) * 0.3f;
            double fort = TrainingRate(model, new FortObjective(model, x / 0.3f, x / 0.3f, config), settings.Seconds, 512);
            // tarflow's density direction is sequential over tokens and keeps every pass for backprop: a batch of
            // 512 needs tens of GB, so it is measured at 64 and labelled.
            int mleBatch = arch == "tarflow" ? 64 : 512;
            double mle = TrainingRate(model, new MleObjective(model, x, x[..512], config), settings.Seconds, mleBatch);
            double sampling = SamplingRate(model, settings.Seconds);
            table.AddRow(arch, parameters.ToString("N0", CultureInfo.InvariantCulture), F(fort), F(mle) + (mleBatch == 512 ? "" : $" (batch {mleBatch})"), sampling.ToString("N0", CultureInfo.InvariantCulture));
        }
        AnsiConsole.Write(table);
        return 0;
    }

    private static string F(double v) => v.ToString("F2", CultureInfo.InvariantCulture);

    private static double TrainingRate(BoltzmannFlow model, ITrainingObjective objective, double seconds, int batch)
    {
        var optimizer = new AdamW(model.parameters(), 1e-4, 0.0);
        using var generator = new Generator(1);
        void Step()
        {
            using var fence = FinalizerFence.Enter();
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            objective.Loss(model, batch, generator).backward();
            optimizer.step();
        }
        Step(); // warm-up
        int steps = 0;
        var clock = Stopwatch.StartNew();
        do { Step(); steps++; } while (clock.Elapsed.TotalSeconds < seconds);
        return steps / clock.Elapsed.TotalSeconds;
    }

    private static double SamplingRate(BoltzmannFlow model, double seconds)
    {
        using var noGrad = no_grad();
        using var generator = new Generator(2);
        void Batch()
        {
            using var scope = NewDisposeScope();
            var (x, logQ) = model.Sample(10000, generator);
            _ = logQ.sum().item<double>();
        }
        Batch();
        int batches = 0;
        var clock = Stopwatch.StartNew();
        do { Batch(); batches++; } while (clock.Elapsed.TotalSeconds < seconds);
        return batches * 10000 / clock.Elapsed.TotalSeconds;
    }
}
