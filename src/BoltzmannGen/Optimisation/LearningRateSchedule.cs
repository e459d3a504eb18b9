namespace BoltzmannGen.Optimisation;

/// <summary>Linear warm-up to the base rate, then cosine decay to a floor: lr(step) for step = 0 … total−1.</summary>
public static class LearningRateSchedule
{
    public static double At(int step, int totalSteps, double baseRate, int warmupSteps, double minFraction)
    {
        if (step < warmupSteps) return baseRate * (step + 1) / warmupSteps;
        double progress = totalSteps <= warmupSteps ? 1 : (double)(step - warmupSteps) / (totalSteps - warmupSteps);
        progress = Math.Clamp(progress, 0, 1);
        double cosine = 0.5 * (1 + Math.Cos(Math.PI * progress));
        return baseRate * (minFraction + (1 - minFraction) * cosine);
    }
}
