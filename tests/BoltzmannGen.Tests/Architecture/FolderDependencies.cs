using System.Text.RegularExpressions;

namespace BoltzmannGen.Tests.Architecture;

/// <summary>
/// The import graph between the library's top-level folders (src/BoltzmannGen/&lt;Folder&gt;), read from the
/// source: `using BoltzmannGen.X…`, `using static BoltzmannGen.X…`, fully qualified `BoltzmannGen.X.` names, and
/// names qualified relative to the root namespace (`X.Type` where X is a folder). Each folder is its namespace.
/// </summary>
internal static partial class FolderDependencies
{
    public static IReadOnlyDictionary<string, SortedSet<string>> Read(string libraryRoot)
    {
        var folders = Directory.GetDirectories(libraryRoot).Select(Path.GetFileName).OfType<string>()
            .Where(f => f is not ("bin" or "obj")).ToHashSet();
        var graph = folders.ToDictionary(f => f, _ => new SortedSet<string>());
        foreach (var folder in folders)
            foreach (var file in Directory.EnumerateFiles(Path.Combine(libraryRoot, folder), "*.cs", SearchOption.AllDirectories))
            {
                string code = LineComment().Replace(File.ReadAllText(file), "");
                foreach (Match m in Qualified().Matches(code))
                    Add(graph, folders, folder, m.Groups[1].Value);
                foreach (Match m in RelativeQualified().Matches(code))
                    Add(graph, folders, folder, m.Groups[1].Value);
            }
        return graph;
    }

    private static void Add(Dictionary<string, SortedSet<string>> graph, HashSet<string> folders, string from, string to)
    {
        if (to != from && folders.Contains(to)) graph[from].Add(to);
    }

    /// <summary>A cycle as its folders in order (first repeated at the end), or null when the graph is acyclic.</summary>
    public static IReadOnlyList<string>? FindCycle(IReadOnlyDictionary<string, SortedSet<string>> graph)
    {
        var state = graph.Keys.ToDictionary(k => k, _ => 0); // 0 new, 1 on the path, 2 done
        var path = new List<string>();
        foreach (var start in graph.Keys.Order())
            if (Visit(start) is { } cycle) return cycle;
        return null;

        List<string>? Visit(string node)
        {
            if (state[node] == 2) return null;
            if (state[node] == 1) return [.. path.Skip(path.IndexOf(node)), node];
            state[node] = 1;
            path.Add(node);
            foreach (var next in graph[node])
                if (graph.ContainsKey(next) && Visit(next) is { } cycle) return cycle;
            path.RemoveAt(path.Count - 1);
            state[node] = 2;
            return null;
        }
    }

    [GeneratedRegex(@"//[^\n]*")]
    private static partial Regex LineComment();

    [GeneratedRegex(@"\bBoltzmannGen\.([A-Z]\w*)")]
    private static partial Regex Qualified();

    // `Teacher.TeacherModel` inside namespace BoltzmannGen.X resolves against the root namespace too.
    [GeneratedRegex(@"(?<![\w.])([A-Z]\w*)\.[A-Z]\w*")]
    private static partial Regex RelativeQualified();
}
