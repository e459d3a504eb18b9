using BoltzmannGen.Cli;
using BoltzmannGen.Data;
using BoltzmannGen.Tests.Support;

namespace BoltzmannGen.Tests.Cli;

/// <summary>`bgen energy` end to end, and every bad input: a clear error, exit code 2, and no output file.</summary>
public class EnergyCommandTests
{
    private static string ForceFields => EnergyFixtures.Catalog.ForceFieldsDirectory;

    private static (int Code, string Error) Run(params string[] args) => InProcessBgen.Capture(args);

    private static string[] EnergyArgs(string system, string input, string output, params string[] extra) =>
        ["energy", "--system", system, "--input", input, "--out", output, "--forcefields", ForceFields, .. extra];

    [Fact]
    public void Writes_a_csv_with_header_and_one_row_per_frame_matching_OpenMM_Python()
    {
        using var dir = new TempDir();
        var csv = dir.File("energies.csv");
        var forces = dir.File("forces.npy");
        var (code, error) = Run(EnergyArgs("al3", EnergyFixtures.File("al3", "frames.npy"), csv, "--forces", forces, "--threads", "2"));
        Assert.True(code == 0, error);

        var lines = File.ReadAllLines(csv);
        Assert.Equal("frame,energy_kj_mol,reduced_energy", lines[0]);
        Assert.Equal(26, lines.Length);
        var energies = EnergyFixtures.ReadEnergyColumn(csv);
        var expected = EnergyFixtures.Energies("al3");
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(energies[i] - expected[i]) <= 1e-4);
        Assert.Equal(Enumerable.Range(0, 25).Select(i => i.ToString()), lines.Skip(1).Select(l => l.Split(',')[0]));

        var f = Npy.Read(forces);
        Assert.Equal(new[] { 25, 33, 3 }, f.Shape);
        var expectedForces = EnergyFixtures.Forces("al3");
        Assert.Equal(expectedForces[100], f.AsFloat64()[100], 6);
    }

    [Fact]
    public void Shipped_topology_pdb_scores_as_its_README_says()
    {
        using var dir = new TempDir();
        var csv = dir.File("e.csv");
        var (code, error) = Run(EnergyArgs("aldp", Path.Combine(ForceFields, "aldp", "topology.pdb"), csv));
        Assert.True(code == 0, error);
        // Frame 0 of the fixtures is the same structure, scored by OpenMM's Python layer.
        Assert.Equal(EnergyFixtures.Energies("aldp", "energies_pdb.csv")[0], EnergyFixtures.ReadEnergyColumn(csv)[0], 4);
    }

    [Fact]
    public void Missing_input_file_is_named()
    {
        using var dir = new TempDir();
        var (code, error) = Run(EnergyArgs("aldp", dir.File("nope.npy"), dir.File("e.csv")));
        Assert.Equal(2, code);
        Assert.Contains("nope.npy", error);
        Assert.Contains("not found", error);
        Assert.Empty(dir.Files());
    }

    [Fact]
    public void Wrong_atom_count_names_both_counts()
    {
        using var dir = new TempDir();
        var (code, error) = Run(EnergyArgs("al4", EnergyFixtures.File("aldp", "frames.npy"), dir.File("e.csv")));
        Assert.Equal(2, code);
        Assert.Contains("22", error);
        Assert.Contains("42", error);
        Assert.Empty(dir.Files());
    }

    [Fact]
    public void NaN_coordinate_names_the_frame_and_file()
    {
        using var dir = new TempDir();
        var frames = EnergyFixtures.Frames("aldp");
        var data = Array.ConvertAll(frames.Positions, v => (float)v);
        data[3 * 66 + 5] = float.NaN; // frame 3, atom 1
        var input = dir.File("bad.npy");
        Npy.Write(input, data, 25, 22, 3);
        var (code, error) = Run(EnergyArgs("aldp", input, dir.File("e.csv"), "--forces", dir.File("f.npy")));
        Assert.Equal(2, code);
        Assert.Contains("frame 3", error);
        Assert.Contains("bad.npy", error);
        Assert.Equal(["bad.npy"], dir.Files());
    }

    [Fact]
    public void Unknown_system_lists_the_known_ones()
    {
        using var dir = new TempDir();
        var (code, error) = Run(EnergyArgs("chignolin", EnergyFixtures.File("aldp", "frames.npy"), dir.File("e.csv")));
        Assert.Equal(2, code);
        Assert.Contains("chignolin", error);
        Assert.Contains("aldp, al3, al4".Split(", ")[0], error);
        Assert.Contains("al4", error);
        Assert.Empty(dir.Files());
    }

    [Fact]
    public void Unknown_platform_lists_the_available_ones()
    {
        using var dir = new TempDir();
        var (code, error) = Run(EnergyArgs("aldp", EnergyFixtures.File("aldp", "frames.npy"), dir.File("e.csv"), "--platform", "Metal"));
        Assert.Equal(2, code);
        Assert.Contains("Metal", error);
        Assert.Contains("Reference", error);
        Assert.Empty(dir.Files());
    }

    [Fact]
    public void Malformed_system_xml_is_reported_with_OpenMMs_message()
    {
        using var dir = new TempDir();
        var broken = Directory.CreateDirectory(Path.Combine(dir.Path, "ff", "aldp")).FullName;
        foreach (var f in new[] { "system.json", "topology.pdb" })
            File.Copy(Path.Combine(ForceFields, "aldp", f), Path.Combine(broken, f));
        File.WriteAllText(Path.Combine(broken, "system.xml"), "<?xml version=\"1.0\" ?>\n<System openmmVersion=\"7.7\" type=\"System\" version=\"1\">\n<Particles>");
        var output = dir.File("e.csv");
        var (code, error) = Run(["energy", "--system", "aldp", "--input", EnergyFixtures.File("aldp", "frames.npy"), "--out", output,
            "--forcefields", Path.Combine(dir.Path, "ff")]);
        Assert.Equal(2, code);
        Assert.StartsWith("error:", error);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void Truncated_npy_says_how_many_bytes_are_missing()
    {
        using var dir = new TempDir();
        var bytes = File.ReadAllBytes(EnergyFixtures.File("aldp", "frames.npy"));
        var input = dir.File("cut.npy");
        File.WriteAllBytes(input, bytes[..(bytes.Length / 2)]);
        var (code, error) = Run(EnergyArgs("aldp", input, dir.File("e.csv")));
        Assert.Equal(2, code);
        Assert.Contains("cut.npy", error);
        Assert.Equal(["cut.npy"], dir.Files());
    }

    [Fact]
    public void Output_into_a_missing_folder_fails_before_any_work()
    {
        using var dir = new TempDir();
        var (code, error) = Run(EnergyArgs("aldp", EnergyFixtures.File("aldp", "frames.npy"), dir.File("no/such/e.csv")));
        Assert.Equal(2, code);
        Assert.Contains("--out", error);
    }

    [Fact]
    public void An_existing_output_is_replaced_only_by_a_complete_new_one()
    {
        using var dir = new TempDir();
        var csv = dir.File("e.csv");
        File.WriteAllText(csv, "previous results\n");
        var (code, _) = Run(EnergyArgs("aldp", dir.File("missing.npy"), csv));
        Assert.Equal(2, code);
        Assert.Equal("previous results\n", File.ReadAllText(csv));
    }

    [Fact]
    public void A_mistyped_option_is_an_error()
    {
        using var dir = new TempDir();
        var (code, error) = Run(EnergyArgs("aldp", EnergyFixtures.File("aldp", "frames.npy"), dir.File("e.csv"), "--thread", "2"));
        Assert.Equal(2, code);
        Assert.Contains("thread", error);
        Assert.Empty(dir.Files());
    }
}
