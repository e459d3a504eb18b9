using BoltzmannGen.Data;
using BoltzmannGen.Tests.Support;

namespace BoltzmannGen.Tests.Data;

public class PdbTests
{
    private static readonly string ModelsPdb = FixturePath.Io("models.pdb");

    private static System.Text.Json.JsonElement Expected => ExpectedJson.Root.GetProperty("pdb");

    private static List<(int I, int J)> BondsOf(string property) =>
        Expected.GetProperty(property).EnumerateArray()
            .Select(b => (b[0].GetInt32(), b[1].GetInt32())).ToList();

    /// <summary>The OpenMM topology of the fixture, rebuilt from expected.json with all its bonds.</summary>
    private static Topology ExpectedTopology()
    {
        var residues = Expected.GetProperty("residues").EnumerateArray()
            .Select((r, i) => new Residue(i, r.GetProperty("name").GetString()!, r.GetProperty("number").GetInt32(), r.GetProperty("chain").GetString()!))
            .ToList();
        var atoms = Expected.GetProperty("atoms").EnumerateArray()
            .Select((a, i) => new Atom(i, a.GetProperty("name").GetString()!, a.GetProperty("element").GetString()!, a.GetProperty("residue").GetInt32()))
            .ToList();
        return new Topology(atoms, residues, BondsOf("all_bonds"));
    }

    [Fact]
    public void Read_OpenMMMultiModel_TopologyMatches()
    {
        var pdb = Pdb.Read(ModelsPdb);
        var expected = ExpectedTopology();
        Assert.Equal(expected.Atoms, pdb.Topology.Atoms);
        Assert.Equal(expected.Residues, pdb.Topology.Residues);
        // OpenMM writes CONECT only for bonds touching a non-standard residue; those are the bonds we can see.
        Assert.Equal(BondsOf("bonds"), pdb.Topology.Bonds);
    }

    [Fact]
    public void Read_OpenMMMultiModel_PositionsInNm()
    {
        var pdb = Pdb.Read(ModelsPdb);
        var expected = Npy.Read(FixturePath.Io("models_expected_nm.npy"));
        Assert.Equal(Expected.GetProperty("models").GetInt32(), pdb.Frames.Count);
        Assert.Equal(expected.Shape[1], pdb.Frames.AtomCount);
        Assert.Equal(expected.AsFloat64(), pdb.Frames.Positions);
    }

    [Fact]
    public void Write_AtomRecordsMatchOpenMMsLayout()
    {
        var pdb = Pdb.Read(ModelsPdb);
        using var dir = new TempDir();
        string file = dir.File("out.pdb");
        Pdb.Write(file, pdb.Topology, pdb.Frames);
        static bool Compared(string l) => l.StartsWith("HETATM") || l.StartsWith("ATOM") || l.StartsWith("TER") || l.StartsWith("MODEL") || l.StartsWith("ENDMDL");
        var ours = File.ReadAllLines(file).Where(Compared).ToArray();
        var openmm = File.ReadAllLines(ModelsPdb).Where(Compared).ToArray();
        Assert.Equal(openmm, ours);
    }

    [Fact]
    public void RoundTrip_KeepsTopologyAllBondsAndPositions()
    {
        var original = Pdb.Read(ModelsPdb);
        var topology = ExpectedTopology(); // includes the water bonds OpenMM left out
        using var dir = new TempDir();
        string file = dir.File("rt.pdb");
        Pdb.Write(file, topology, original.Frames);
        var back = Pdb.Read(file);
        Assert.Equal(topology.Atoms, back.Topology.Atoms);
        Assert.Equal(topology.Residues, back.Topology.Residues);
        Assert.Equal(BondsOf("all_bonds"), back.Topology.Bonds);
        // The fixture's coordinates have 3 decimals in Å, so they survive the text format exactly.
        Assert.Equal(original.Frames.Positions, back.Frames.Positions);
        Assert.Equal(3, File.ReadAllLines(file).Count(l => l.StartsWith("MODEL")));
    }

    [Fact]
    public void Write_SingleFrame_HasNoModelRecordsAndRoundsToMilliAngstrom()
    {
        var topology = new Topology(
            [new Atom(0, "N", "N", 0), new Atom(1, "CA", "C", 0)],
            [new Residue(0, "ALA", 7, "A")],
            [(0, 1)]);
        double[] nm = [0.123456, -0.0001, 99.9999, 1, 2, 3];
        using var dir = new TempDir();
        string file = dir.File("one.pdb");
        Pdb.Write(file, topology, nm);
        var lines = File.ReadAllLines(file);
        Assert.DoesNotContain(lines, l => l.StartsWith("MODEL"));
        Assert.Equal("ATOM      1  N   ALA A   7       1.235  -0.001 999.999  1.00  0.00           N  ", lines[0]);
        Assert.Equal(80, lines[0].Length);
        Assert.Contains("CONECT    1    2", lines);
        Assert.Contains("CONECT    2    1", lines);
        Assert.Equal("END", lines[^1]);
        var back = Pdb.Read(file);
        Assert.Equal(1, back.Frames.Count);
        Assert.Equal(0.1235, back.Frames.Positions[0], 12);
        Assert.Equal(99.9999, back.Frames.Positions[2], 12);
    }

    [Fact]
    public void Write_NonFiniteCoordinateInLaterFrame_ThrowsAndLeavesNoFile()
    {
        var pdb = Pdb.Read(ModelsPdb);
        var positions = (double[])pdb.Frames.Positions.Clone();
        positions[^1] = double.NaN; // last frame: earlier models are already written when this fails
        using var dir = new TempDir();
        var e = Assert.Throws<ArgumentException>(() =>
            Pdb.Write(dir.File("bad.pdb"), pdb.Topology, new Frames(pdb.Frames.Count, pdb.Frames.AtomCount, positions)));
        Assert.Contains("frame 2", e.Message);
        Assert.Empty(dir.Files());
    }

    [Fact]
    public void Write_CoordinateTooLargeForColumns_Throws()
    {
        var topology = new Topology([new Atom(0, "C", "C", 0)], [new Residue(0, "MOL", 1, "")], []);
        using var dir = new TempDir();
        var e = Assert.Throws<ArgumentException>(() => Pdb.Write(dir.File("x.pdb"), topology, [1000.0, 0, 0]));
        Assert.Contains("atom 0", e.Message);
        Assert.Empty(dir.Files());
    }

    private static PdbFile ReadText(string text) => Pdb.Read(new StringReader(text), "mem.pdb");

    private static string AtomLine(int serial, string nameField, string resName, char chain, int resSeq, double x, double y, double z, string element = "", string record = "ATOM  ", char altLoc = ' ') =>
        $"{record}{serial,5} {nameField,-4}{altLoc}{resName,3} {chain}{resSeq,4}    {x,8:F3}{y,8:F3}{z,8:F3}  1.00  0.00          {element,2}";

    [Fact]
    public void Elements_InferredFromNameWhenColumnsBlank()
    {
        string text = string.Join('\n',
            AtomLine(1, " CA ", "ALA", 'A', 1, 0, 0, 0),
            AtomLine(2, "1HB ", "ALA", 'A', 1, 0, 0, 0),
            AtomLine(3, "HD21", "ASN", 'A', 2, 0, 0, 0),
            AtomLine(4, "CL  ", "CL", 'B', 1, 0, 0, 0, record: "HETATM"),
            AtomLine(5, " CA ", "CA", 'B', 2, 0, 0, 0, record: "HETATM"),
            AtomLine(6, "CA  ", "CA", 'B', 3, 0, 0, 0, record: "HETATM"),
            AtomLine(7, " N  ", "ALA", 'A', 3, 0, 0, 0, element: "N"),
            AtomLine(8, "ZN  ", "ZN", 'C', 1, 0, 0, 0, element: "ZN", record: "HETATM"));
        var atoms = ReadText(text).Topology.Atoms;
        Assert.Equal(new[] { "C", "H", "H", "Cl", "C", "Ca", "N", "Zn" }, atoms.Select(a => a.Element).ToArray());
        Assert.Equal(new[] { "CA", "1HB", "HD21", "CL", "CA", "CA", "N", "ZN" }, atoms.Select(a => a.Name).ToArray());
    }

    [Fact]
    public void Residues_SplitOnNumberChainAndTer()
    {
        string text = string.Join('\n',
            AtomLine(1, " N  ", "ALA", 'A', 1, 0, 0, 0, "N"),
            AtomLine(2, " CA ", "ALA", 'A', 1, 0, 0, 0, "C"),
            AtomLine(3, " N  ", "GLY", 'A', 2, 0, 0, 0, "N"),
            "TER",
            AtomLine(4, " N  ", "GLY", 'A', 2, 0, 0, 0, "N"), // same residue key, but after TER: a new residue
            AtomLine(5, " N  ", "GLY", 'B', 2, 0, 0, 0, "N"));
        var top = ReadText(text).Topology;
        Assert.Equal(4, top.Residues.Count);
        Assert.Equal(new[] { 0, 0, 1, 2, 3 }, top.Atoms.Select(a => a.ResidueIndex).ToArray());
        Assert.Equal(new Residue(3, "GLY", 2, "B"), top.Residues[3]);
    }

    [Fact]
    public void Conect_DeduplicatedOrderedAndMappedThroughSerials()
    {
        // Serials need not be 1..n: CONECT refers to serials, bonds to atom indices.
        string text = string.Join('\n',
            AtomLine(10, " C1 ", "MOL", 'A', 1, 0, 0, 0, "C", "HETATM"),
            AtomLine(20, " C2 ", "MOL", 'A', 1, 0, 0, 0, "C", "HETATM"),
            AtomLine(30, " O  ", "MOL", 'A', 1, 0, 0, 0, "O", "HETATM"),
            "CONECT   30   20",
            "CONECT   20   30   10",
            "CONECT   10   20",
            "CONECT   10   20",
            "END");
        Assert.Equal(new List<(int, int)> { (0, 1), (1, 2) }, ReadText(text).Topology.Bonds);
    }

    [Fact]
    public void AlternateLocations_KeepTheFirst()
    {
        string text = string.Join('\n',
            AtomLine(1, " CA ", "SER", 'A', 1, 1, 1, 1, "C", altLoc: 'A'),
            AtomLine(2, " CA ", "SER", 'A', 1, 2, 2, 2, "C", altLoc: 'B'),
            AtomLine(3, " CB ", "SER", 'A', 1, 3, 3, 3, "C"));
        var pdb = ReadText(text);
        Assert.Equal(2, pdb.Topology.AtomCount);
        Assert.Equal(new[] { 0.1, 0.1, 0.1, 0.3, 0.3, 0.3 }, pdb.Frames.Positions);
    }

    [Fact]
    public void EndSeparatedFrames_AreModels()
    {
        // VMD writes multi-frame PDBs as blocks ended by END, without MODEL records.
        string text = string.Join('\n',
            AtomLine(1, " N  ", "ALA", 'A', 1, 1, 2, 3, "N"),
            "END",
            AtomLine(1, " N  ", "ALA", 'A', 1, 4, 5, 6, "N"),
            "END");
        var pdb = ReadText(text);
        Assert.Equal(2, pdb.Frames.Count);
        Assert.Equal(new[] { 0.1, 0.2, 0.3, 0.4, 0.5, 0.6 }, pdb.Frames.Positions);
    }

    [Fact]
    public void ModelWithDifferentAtom_NamesModelAndLine()
    {
        string text = string.Join('\n',
            "MODEL        1",
            AtomLine(1, " N  ", "ALA", 'A', 1, 0, 0, 0, "N"),
            AtomLine(2, " CA ", "ALA", 'A', 1, 0, 0, 0, "C"),
            "ENDMDL",
            "MODEL        2",
            AtomLine(1, " N  ", "ALA", 'A', 1, 0, 0, 0, "N"),
            AtomLine(2, " CB ", "ALA", 'A', 1, 0, 0, 0, "C"),
            "ENDMDL");
        var e = Assert.Throws<InputException>(() => ReadText(text));
        Assert.Contains("mem.pdb", e.Message);
        Assert.Contains("line 7", e.Message);
        Assert.Contains("model 2", e.Message);
        Assert.Contains("'CB'", e.Message);
        Assert.Contains("'CA'", e.Message);
    }

    [Fact]
    public void ModelWithFewerAtoms_NamesModelAndLine()
    {
        string text = string.Join('\n',
            "MODEL        1",
            AtomLine(1, " N  ", "ALA", 'A', 1, 0, 0, 0, "N"),
            AtomLine(2, " CA ", "ALA", 'A', 1, 0, 0, 0, "C"),
            "ENDMDL",
            "MODEL        2",
            AtomLine(1, " N  ", "ALA", 'A', 1, 0, 0, 0, "N"),
            "ENDMDL");
        var e = Assert.Throws<InputException>(() => ReadText(text));
        Assert.Contains("line 7", e.Message);
        Assert.Contains("model 2", e.Message);
        Assert.Contains("has 1 atoms, model 1 has 2", e.Message);
    }

    [Fact]
    public void ModelWithMoreAtoms_NamesModelAndLine()
    {
        string text = string.Join('\n',
            "MODEL        5",
            AtomLine(1, " N  ", "ALA", 'A', 1, 0, 0, 0, "N"),
            "ENDMDL",
            "MODEL        6",
            AtomLine(1, " N  ", "ALA", 'A', 1, 0, 0, 0, "N"),
            AtomLine(2, " CA ", "ALA", 'A', 1, 0, 0, 0, "C"),
            "ENDMDL");
        var e = Assert.Throws<InputException>(() => ReadText(text));
        Assert.Contains("line 6", e.Message);
        Assert.Contains("model 6", e.Message);
        Assert.Contains("model 5", e.Message);
    }

    [Theory]
    [InlineData("CONECT    1    9", "line 2", "serial 9")]
    [InlineData("CONECT    1    1", "line 2", "itself")]
    [InlineData("CONECT    1   xx", "line 2", "'xx'")]
    public void BadConect_NamesLine(string conect, string line, string detail)
    {
        string text = AtomLine(1, " N  ", "ALA", 'A', 1, 0, 0, 0, "N") + "\n" + conect;
        var e = Assert.Throws<InputException>(() => ReadText(text));
        Assert.Contains("mem.pdb", e.Message);
        Assert.Contains(line, e.Message);
        Assert.Contains(detail, e.Message);
    }

    [Fact]
    public void BadCoordinate_NamesLineAndColumns()
    {
        string good = AtomLine(1, " N  ", "ALA", 'A', 1, 0, 0, 0, "N");
        string bad = AtomLine(2, " CA ", "ALA", 'A', 1, 0, 0, 0, "C").Remove(38, 8).Insert(38, "   abc  ");
        var e = Assert.Throws<InputException>(() => ReadText(good + "\n" + bad));
        Assert.Contains("line 2", e.Message);
        Assert.Contains("y coordinate", e.Message);
        Assert.Contains("39-46", e.Message);
    }

    [Fact]
    public void NoAtoms_IsAnError()
    {
        var e = Assert.Throws<InputException>(() => ReadText("REMARK nothing here\nEND\n"));
        Assert.Contains("mem.pdb", e.Message);
        Assert.Contains("no ATOM/HETATM", e.Message);
    }

    [Fact]
    public void MissingFile_IsAnInputError()
    {
        string path = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".pdb");
        var e = Assert.Throws<InputException>(() => Pdb.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("not found", e.Message);
    }
}
