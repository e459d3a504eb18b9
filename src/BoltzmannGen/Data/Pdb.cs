
namespace BoltzmannGen.Data;

/// <summary>A PDB file read whole: the topology of its first model and the positions of every model, in nm.</summary>
public sealed record PdbFile(Topology Topology, Frames Frames);

/// <summary>
/// PDB files as MD users exchange them: ATOM/HETATM records for the topology, CONECT records for bonds,
/// MODEL/ENDMDL for several conformations of the same atoms. Coordinates are Å in the file and nm here.
/// </summary>
public static class Pdb
{
    /// <summary>
    /// Reads all models. Every model must list the same atoms (name, residue name and number, chain) in the
    /// same order; bonds come from CONECT records, deduplicated, as (i, j) with i &lt; j, sorted.
    /// </summary>
    public static PdbFile Read(string path)
    {
        using var stream = Npy.OpenRead(path, ".pdb");
        using var reader = new StreamReader(stream);
        return PdbReader.Read(reader, path);
    }

    /// <summary>Reads PDB text (the <paramref name="source"/> name is used in error messages).</summary>
    public static PdbFile Read(TextReader reader, string source) => PdbReader.Read(reader, source);

    /// <summary>
    /// Writes <paramref name="frames"/> as models (MODEL/ENDMDL when there is more than one frame), then
    /// CONECT records for every topology bond, atomically. Coordinates are written in Å with 3 decimals.
    /// </summary>
    public static void Write(string path, Topology topology, Frames frames) =>
        AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false), 1 << 16, leaveOpen: true);
            PdbWriter.Write(writer, topology, frames);
        });

    /// <summary>Writes one conformation (<paramref name="positionsNm"/>: 3·atoms values, nm).</summary>
    public static void Write(string path, Topology topology, ReadOnlySpan<double> positionsNm) =>
        Write(path, topology, new Frames(1, topology.AtomCount, positionsNm.ToArray()));

    public static void Write(TextWriter writer, Topology topology, Frames frames) => PdbWriter.Write(writer, topology, frames);
}
