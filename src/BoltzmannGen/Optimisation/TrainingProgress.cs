namespace BoltzmannGen.Optimisation;

/// <summary>
/// Where training is: step, last loss, speed, validation figures when just computed, and the trainer's own words for
/// them when its validation loss is not the figure people watch (fine-tuning: the ESS, not the reverse-KL estimate).
/// </summary>
public sealed record TrainingProgress(int Step, int TotalSteps, double Loss, double StepsPerSecond, double ElapsedSeconds,
                                      double? ValidationLoss, double? ValidationNll, string? ValidationSummary = null);
