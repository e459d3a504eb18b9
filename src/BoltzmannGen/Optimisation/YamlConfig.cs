using YamlDotNet.Core;
using YamlDotNet.Serialization.NamingConventions;
using YamlDotNet.Serialization;

namespace BoltzmannGen.Optimisation;

/// <summary>
/// Configuration records as YAML with snake_case keys (what users copy and edit), plus `key=value` overrides from
/// the command line, which win over the file. Unknown keys are errors, so a typo is never silently ignored.
/// </summary>
public static class YamlConfig
{
    private static IDeserializer Reader => new DeserializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance).Build();

    private static ISerializer Writer => new SerializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance).Build();

    public static string ToYaml<T>(T config) => Writer.Serialize(config);

    /// <summary>
    /// A stored config written out again as <typeparamref name="T"/> does today: keys added since (at their
    /// defaults) appear, so configs stored by an older version compare equal to the same settings now. Text that is
    /// no longer a valid <typeparamref name="T"/> comes back unchanged (and so compares unequal).
    /// </summary>
    public static string Canonical<T>(string yaml) where T : new()
    {
        try { return ToYaml(Reader.Deserialize<T>(yaml) ?? new T()); }
        catch (YamlException) { return yaml; }
    }

    /// <summary>Reads <paramref name="path"/> (defaults when null), applies overrides; <paramref name="what"/> names the config in errors.</summary>
    public static T Load<T>(string? path, IEnumerable<string> overrides, string what) where T : new()
    {
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (path is not null)
        {
            if (!File.Exists(path)) throw new InputException($"--config {path}: file not found.");
            try
            {
                var parsed = Reader.Deserialize<Dictionary<string, object?>>(File.ReadAllText(path));
                if (parsed is not null) foreach (var (k, v) in parsed) values[k] = v;
            }
            catch (YamlException e)
            {
                throw new InputException($"--config {path}: not valid YAML at line {e.Start.Line}: {e.Message}", e);
            }
        }
        foreach (var o in overrides)
        {
            int eq = o.IndexOf('=');
            if (eq <= 0) throw new InputException($"override '{o}' must look like key=value (e.g. steps=2000).");
            SetDotted(values, o[..eq].Trim(), o[(eq + 1)..].Trim());
        }
        string where = $"{what}{(path is null ? "" : $" {path}")}";
        var known = typeof(T).GetProperties().Where(p => p.CanWrite).Select(p => UnderscoredNamingConvention.Instance.Apply(p.Name)).ToArray();
        if (values.Keys.FirstOrDefault(k => !known.Contains(k)) is { } unknown)
            throw new InputException($"{where}: unknown key '{unknown}'; known keys: {string.Join(", ", known)}.");
        string merged = Writer.Serialize(values);
        try
        {
            return Reader.Deserialize<T>(merged) ?? new T();
        }
        catch (YamlException e)
        {
            string? key = KeyAt(merged, (int)e.Start.Line);
            string message = Readable(e.InnerException?.Message ?? e.Message);
            throw new InputException(key is null || message.Contains($"'{key.Split('.')[^1]}'", StringComparison.Ordinal) && !key.Contains('.')
                ? $"{where}: {message}" : $"{where}: {key}: {message}", e);
        }
    }

    /// <summary>
    /// The dotted key (`finetune.enabled`) of line <paramref name="line"/> (1-based) of a block-style YAML text, from
    /// its own key and those of the less indented lines above it; null when the line holds no key.
    /// </summary>
    internal static string? KeyAt(string yaml, int line)
    {
        var lines = yaml.Split('\n');
        if (line < 1 || line > lines.Length) return null;
        static int Indent(string l) => l.Length - l.TrimStart(' ').Length;
        static string? Key(string l) => l.TrimStart(' ') is var t && t.IndexOf(':') is > 0 and var c && !t.StartsWith('-') ? t[..c].Trim() : null;
        if (Key(lines[line - 1]) is not { } key) return null;
        var path = new List<string> { key };
        int indent = Indent(lines[line - 1]);
        for (int i = line - 2; i >= 0 && indent > 0; i--)
        {
            if (lines[i].Trim().Length == 0 || Indent(lines[i]) >= indent || Key(lines[i]) is not { } parent) continue;
            path.Insert(0, parent);
            indent = Indent(lines[i]);
        }
        return string.Join('.', path);
    }

    // YamlDotNet names .NET types ("Property 'x' not found on type 'BoltzmannGen.…'"); users know keys, not types.
    private static string Readable(string message) =>
        System.Text.RegularExpressions.Regex.Replace(message, @"Property '([^']+)' not found on type '[^']+'\.?", "unknown key '$1'.");

    /// <summary>`a.b.c=v` sets v inside nested mappings a → b → c (a section of a pipeline config), creating them as needed.</summary>
    private static void SetDotted(Dictionary<string, object?> values, string key, string value)
    {
        var parts = key.Split('.');
        IDictionary<object, object?>? nested = null;
        for (int i = 0; i < parts.Length - 1; i++)
        {
            object? next;
            if (nested is null) values.TryGetValue(parts[i], out next);
            else nested.TryGetValue(parts[i], out next);
            var section = next switch
            {
                IDictionary<object, object?> d => d,
                null => new Dictionary<object, object?>(),
                _ => throw new InputException($"override '{key}={value}': '{parts[i]}' is a value, not a section."),
            };
            if (nested is null) values[parts[i]] = section;
            else nested[parts[i]] = section;
            nested = section;
        }
        if (nested is null) values[key] = value;
        else nested[parts[^1]] = value;
    }
}
