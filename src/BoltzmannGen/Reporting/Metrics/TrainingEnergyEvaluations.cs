using System.Globalization;

namespace BoltzmannGen.Reporting.Metrics;

/// <summary>Energy evaluations spent training the model (fine-tuning's batches and validations; model.json), or null.</summary>
public sealed class TrainingEnergyEvaluations() : Metric(MetricGroup.Efficiency, 50, key: "energy_evaluations.training",
    csvName: "energy_evaluations[training]", name: "energy evaluations in training", unit: "evaluations", inReport: false)
{
    public override double? Compute(MetricInputs inputs) => inputs.Options.TrainingEnergyEvaluations;
    public override double? Read(RunReport report) => report.EnergyEvaluations.Training;
    public override RunReport Store(RunReport report, double? value) =>
        report with { EnergyEvaluations = report.EnergyEvaluations with { Training = (long?)value } };
    public override string Format(double? value) => Whole(value);
    // One row with the sampling's evaluations beside training's; none for a model trained without energies.
    public override IEnumerable<SummaryRow> Summary(RunReport report) => report.EnergyEvaluations.Training is { } training
        ? [new("energy evaluations: training / sampling", string.Create(CultureInfo.InvariantCulture, $"{training:N0} / {report.EnergyEvaluations.Sampling:N0}"))]
        : [];
}
