using System.Globalization;
using System.Reflection;
using YamlDotNet.Core.Events;
using YamlDotNet.Core;
using YamlDotNet.Serialization.NamingConventions;
using YamlDotNet.Serialization;

namespace BoltzmannGen.Optimisation;

/// <summary>
/// Configuration records as YAML with snake_case keys (what users copy and edit), plus `key=value` overrides from
/// the command line, which win over the file. Unknown keys, a key given twice in a file and a value of the wrong type
/// are errors named by key (and by the override or file it came from), so a typo is never silently ignored and no
/// .NET type name reaches the user.
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
            string text = File.ReadAllText(path);
            try
            {
                RefuseDuplicateKeys(text, $"{what} {path}");
                var parsed = Reader.Deserialize<Dictionary<string, object?>>(text);
                if (parsed is not null) foreach (var (k, v) in parsed) values[k] = v;
            }
            catch (YamlException e)
            {
                throw new InputException($"--config {path}: not valid YAML at line {e.Start.Line}: {e.Message}", e);
            }
        }
        var overridden = new Dictionary<string, string>(StringComparer.Ordinal); // dotted key → the override as given
        foreach (var o in overrides)
        {
            int eq = o.IndexOf('=');
            if (eq <= 0) throw new InputException($"override '{o}' must look like key=value (e.g. steps=2000).");
            string key = o[..eq].Trim();
            SetDotted(values, key, o[(eq + 1)..].Trim());
            overridden[key] = $"{key}={o[(eq + 1)..].Trim()}";
        }
        string where = $"{what}{(path is null ? "" : $" {path}")}";
        var known = typeof(T).GetProperties().Where(p => p.CanWrite).Select(p => UnderscoredNamingConvention.Instance.Apply(p.Name)).ToArray();
        if (values.Keys.FirstOrDefault(k => !known.Contains(k)) is { } unknown)
            throw new InputException($"{where}: unknown key '{unknown}'; known keys: {string.Join(", ", known)}.");
        // Values of the wrong type are named by key, before YamlDotNet (whose messages name .NET types) sees them.
        if (FirstBadValue(typeof(T), values.Select(kv => ((object)kv.Key, kv.Value)), "") is { } bad)
        {
            // An override `a.b=v` may be what turned a value into a section: name the override either way.
            string? given = overridden.TryGetValue(bad.Key, out var exact) ? exact
                : overridden.FirstOrDefault(kv => kv.Key.StartsWith(bad.Key + ".", StringComparison.Ordinal)).Value;
            // Problems of a value read "KEY: 'v' is not …"; an override of that very key says the value once.
            string problem = exact is not null && bad.Problem.StartsWith(bad.Key + ": ", StringComparison.Ordinal) ? bad.Problem[(bad.Key.Length + 2)..] : bad.Problem;
            throw new InputException(given is not null ? $"{what}: override {given}: {problem}" : $"{where}: {problem}");
        }
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

    // YamlDotNet names .NET types ("Property 'x' not found on type 'BoltzmannGen.…'", "…into type System.Int32,
    // System.Private.CoreLib, Version=…"); users know keys, not types.
    private static string Readable(string message)
    {
        string text = System.Text.RegularExpressions.Regex.Replace(message, @"Property '([^']+)' not found on type '[^']+'\.?", "unknown key '$1'.");
        text = System.Text.RegularExpressions.Regex.Replace(text, @"(System\.)?([A-Za-z0-9`]+), System\.Private\.CoreLib, Version=[^,]*, Culture=[^,]*, PublicKeyToken=[0-9a-f]+", "$2");
        return System.Text.RegularExpressions.Regex.Replace(text, @"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\): ", "");
    }

    /// <summary>
    /// Refuses a mapping that gives one key twice (YAML forbids it; the parser would keep the last value silently),
    /// naming the key (dotted, for keys inside a section) and both lines.
    /// </summary>
    /// <param name="where">the config and file, for the message ("training config flow.yaml")</param>
    public static void RefuseDuplicateKeys(string yaml, string where)
    {
        var parser = new Parser(new StringReader(yaml));
        // One frame per open collection: a mapping's keys seen so far (with their lines) and whether a key comes next.
        var stack = new Stack<(Dictionary<string, long>? Keys, string Path, bool ExpectKey, bool IsKey, string? PendingKey)>();
        void Completed()
        {
            if (stack.Count == 0) return;
            var top = stack.Pop();
            if (top.Keys is not null) top = top with { ExpectKey = true, PendingKey = null };
            stack.Push(top);
        }
        string ChildPath()
        {
            if (stack.Count == 0) return "";
            var top = stack.Peek();
            if (top.Keys is null || top.PendingKey is not { } key) return top.Path;
            return top.Path.Length == 0 ? key : $"{top.Path}.{key}";
        }
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case Scalar scalar when stack.Count > 0 && stack.Peek().Keys is not null && stack.Peek().ExpectKey:
                {
                    var top = stack.Pop();
                    string full = top.Path.Length == 0 ? scalar.Value : $"{top.Path}.{scalar.Value}";
                    if (top.Keys!.TryGetValue(scalar.Value, out long first))
                        throw new InputException($"{where}: key '{full}' is given twice (lines {first} and {scalar.Start.Line}); keep one.");
                    top.Keys[scalar.Value] = scalar.Start.Line;
                    stack.Push(top with { ExpectKey = false, PendingKey = scalar.Value });
                    break;
                }
                case Scalar or AnchorAlias:
                    Completed();
                    break;
                case MappingStart or SequenceStart:
                {
                    bool isKey = stack.Count > 0 && stack.Peek().Keys is not null && stack.Peek().ExpectKey;
                    string childPath = ChildPath();
                    stack.Push((parser.Current is MappingStart ? new Dictionary<string, long>(StringComparer.Ordinal) : null, childPath, true, isKey, null));
                    break;
                }
                case MappingEnd or SequenceEnd:
                {
                    var done = stack.Pop();
                    if (done.IsKey && stack.Count > 0) { var top = stack.Pop(); stack.Push(top with { ExpectKey = false, PendingKey = "?" }); }
                    else Completed();
                    break;
                }
            }
        }
    }

    /// <summary>The first key whose value cannot be read as its property's type, with the problem in words.</summary>
    private static (string Key, string Problem)? FirstBadValue(Type type, IEnumerable<(object Key, object? Value)> values, string prefix)
    {
        var properties = type.GetProperties().Where(p => p.CanWrite)
            .ToDictionary(p => UnderscoredNamingConvention.Instance.Apply(p.Name), StringComparer.Ordinal);
        foreach (var (rawKey, value) in values)
        {
            string name = rawKey.ToString() ?? "";
            string key = prefix.Length == 0 ? name : $"{prefix}.{name}";
            if (!properties.TryGetValue(name, out var property)) continue; // unknown keys are named elsewhere
            var target = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (value is null) continue;
            if (IsSection(target))
            {
                if (value is IDictionary<object, object?> nested)
                {
                    if (FirstBadValue(target, nested.Select(kv => (kv.Key, kv.Value)), key) is { } inner) return inner;
                }
                else if (value is not System.Collections.IDictionary)
                    return (key, $"{key} is a section of keys (e.g. {key}.KEY: VALUE), not a single value.");
                continue;
            }
            if (target == typeof(string) || target.IsPrimitive || target == typeof(decimal))
            {
                if (value is System.Collections.IDictionary) return (key, $"{key} takes a single value, not a section of keys ({key}.…).");
                if (value is System.Collections.IList) return (key, $"{key} takes a single value, not a list.");
                if (value is string text && ScalarProblem(target, text) is { } problem) return (key, $"{key}: {problem}");
            }
        }
        return null;
    }

    // A nested record of keys (a run config's simulate:, sample:, …); dictionaries pass through unchecked.
    private static bool IsSection(Type type) =>
        type.IsClass && type != typeof(string) && !typeof(System.Collections.IEnumerable).IsAssignableFrom(type)
        && type.Namespace?.StartsWith("BoltzmannGen", StringComparison.Ordinal) == true;

    /// <summary>Why <paramref name="text"/> is not a value of <paramref name="type"/>, or null when it is.</summary>
    internal static string? ScalarProblem(Type type, string text)
    {
        var ci = CultureInfo.InvariantCulture;
        if (type == typeof(int) || type == typeof(long))
        {
            bool ok = type == typeof(int) ? int.TryParse(text, NumberStyles.Integer, ci, out _) : long.TryParse(text, NumberStyles.Integer, ci, out _);
            if (ok) return null;
            return WholeNumberProblem(text, type == typeof(int) ? int.MinValue : long.MinValue, type == typeof(int) ? int.MaxValue : long.MaxValue);
        }
        if (type == typeof(double))
            return double.TryParse(text, NumberStyles.Float, ci, out _) || text is ".inf" or "-.inf" or ".nan" or ".Inf" or ".NaN" ? null
                : $"'{text}' is not a number (e.g. 0.5 or 1e-3).";
        if (type == typeof(bool))
            return text.ToLowerInvariant() is "true" or "false" or "yes" or "no" or "on" or "off" or "y" or "n" ? null : $"'{text}' is not true or false.";
        return null;
    }

    /// <summary>"'V' is not a whole number", or, for a whole number out of range, the largest (smallest) one allowed.</summary>
    public static string WholeNumberProblem(string text, long min, long max)
    {
        if (System.Numerics.BigInteger.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var big))
            return big > max
                ? string.Create(CultureInfo.InvariantCulture, $"'{text}' is too large: the largest whole number allowed is {max}.")
                : string.Create(CultureInfo.InvariantCulture, $"'{text}' is too small: the smallest whole number allowed is {min}.");
        return $"'{text}' is not a whole number.";
    }

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
