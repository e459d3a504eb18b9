using BoltzmannGen.Tests.Support;
using Xunit.Abstractions;

namespace BoltzmannGen.Tests.Architecture;

/// <summary>Dependencies between src/BoltzmannGen's folders point one way (docs/design.md §2).</summary>
public sealed class FolderDependencyTests(ITestOutputHelper output)
{
    [Fact]
    public void Library_folders_import_no_folder_that_imports_them_back()
    {
        var graph = FolderDependencies.Read(FixturePath.Repository(Path.Combine("src", "BoltzmannGen")));
        foreach (var (folder, uses) in graph.OrderBy(kv => kv.Key))
            output.WriteLine($"{folder} -> {string.Join(' ', uses)}");
        Assert.True(graph.Count >= 10, $"only {graph.Count} folders found: wrong root?");
        var cycle = FolderDependencies.FindCycle(graph);
        Assert.True(cycle is null, $"import cycle: {string.Join(" -> ", cycle ?? [])}");
    }

    [Fact]
    public void The_cycle_finder_reports_a_cycle_and_accepts_a_chain()
    {
        var cyclic = new Dictionary<string, SortedSet<string>>
        {
            ["Data"] = [], ["Energy"] = ["Data", "Systems"], ["Systems"] = ["Data", "Energy"],
        };
        Assert.Equal(["Energy", "Systems", "Energy"], FolderDependencies.FindCycle(cyclic));
        var chain = new Dictionary<string, SortedSet<string>>
        {
            ["Data"] = [], ["Systems"] = ["Data"], ["Energy"] = ["Data", "Systems"],
        };
        Assert.Null(FolderDependencies.FindCycle(chain));
    }
}
