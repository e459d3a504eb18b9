namespace BoltzmannGen.Optimisation;

/// <summary>Where training is: step, last loss, speed, validation figures when just computed.</summary>
public sealed record TrainingProgress(int Step, int TotalSteps, double Loss, double StepsPerSecond, double ElapsedSeconds,
                                      double? ValidationLoss, double? ValidationNll);
