namespace BoltzmannGen.Reporting.Metrics;

/// <summary>
/// Every <see cref="Metric"/> of this assembly, found by reflection (a metric needs a public parameterless
/// constructor) and ordered by group, then order. Nothing else lists metrics.
/// </summary>
public static class MetricRegistry
{
    private static readonly Lazy<IReadOnlyList<Metric>> Registered = new(Discover);

    /// <summary>All metrics in report order.</summary>
    public static IReadOnlyList<Metric> All => Registered.Value;

    /// <summary>The metrics of one group, in order.</summary>
    public static IEnumerable<Metric> In(MetricGroup group) => All.Where(m => m.Group == group);

    /// <summary>The metric with this report.json key.</summary>
    public static Metric Get(string key) =>
        All.FirstOrDefault(m => m.Key == key) ?? throw new KeyNotFoundException($"no metric has the key {key}");

    private static IReadOnlyList<Metric> Discover()
    {
        var metrics = typeof(Metric).Assembly.GetTypes()
            .Where(t => t.IsSubclassOf(typeof(Metric)) && !t.IsAbstract)
            .Select(t => (Metric)(Activator.CreateInstance(t)
                                  ?? throw new InvalidOperationException($"metric {t.Name} needs a public parameterless constructor")))
            .OrderBy(m => m.Group).ThenBy(m => m.Order).ToList();
        foreach (var clash in metrics.GroupBy(m => m.Key).Where(g => g.Count() > 1))
            throw new InvalidOperationException($"metrics {string.Join(", ", clash.Select(m => m.GetType().Name))} share the key {clash.Key}");
        foreach (var clash in metrics.GroupBy(m => (m.Group, m.Order)).Where(g => g.Count() > 1))
            throw new InvalidOperationException($"metrics {string.Join(", ", clash.Select(m => m.GetType().Name))} share the place {clash.Key}");
        return metrics;
    }
}
