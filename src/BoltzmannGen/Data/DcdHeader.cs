using System.Buffers.Binary;
using System.Text;

namespace BoltzmannGen.Data;

/// <summary>
/// The header of a CHARMM/X-PLOR DCD file, little-endian, as OpenMM's DCDFile writes it. Each block is a
/// Fortran unformatted record (4-byte length, payload, same 4-byte length):
/// <list type="bullet">
/// <item>84 bytes: "CORD" then 20 int32 control words: [0] frame count, [1] first step, [2] steps between
/// frames, [3] last step, [8] fixed-atom count, [9] time step (float32, AKMA units), [10] 1 when every frame
/// is preceded by a unit-cell record, [11] 1 for 4-D coordinates, [19] CHARMM version (0 means X-PLOR, whose
/// time step is a float64 over words 9-10 and which has no unit-cell flag);</item>
/// <item>titles: int32 count then count × 80 bytes;</item>
/// <item>int32 atom count.</item>
/// </list>
/// Frames follow: optional 48-byte unit cell (6 float64), then X, Y, Z as float32 records in Å.
/// </summary>
public sealed record DcdHeader(
    int FrameCount, int FirstStep, int Interval, double TimeStepPs, bool HasUnitCell, int AtomCount,
    IReadOnlyList<string> Titles)
{
    /// <summary>One AKMA time unit in ps: DCD stores the time step in these.</summary>
    public const double AkmaTimePs = 0.04888821;

    internal const int FrameCountOffset = 8;
    internal const int LastStepOffset = 20;
    internal const int ControlOffset = 8;

    /// <summary>Bytes of the header for two 80-character titles, the layout we write.</summary>
    internal const int WrittenLength = 92 + 4 + 4 + 160 + 4 + 12;

    /// <summary>Where the first frame starts.</summary>
    internal long DataOffset { get; init; }

    /// <summary>Bytes per frame: optional unit-cell record, then three coordinate records.</summary>
    public long FrameBytes => (HasUnitCell ? 56 : 0) + 3 * (8 + 4L * AtomCount);

    /// <summary>Reads the header from the start of <paramref name="stream"/>; errors name <paramref name="source"/>.</summary>
    internal static DcdHeader Read(Stream stream, string source)
    {
        long fileLength = stream.Length;
        stream.Position = 0;
        Span<byte> first = stackalloc byte[92];
        int got = Npy.ReadFully(stream, first);
        if (got >= 4 && BinaryPrimitives.ReadInt32BigEndian(first) == 84)
            throw new InputException($"{source}: big-endian DCD files are not supported (convert with mdtraj or catdcd).");
        if (got < 92 || BinaryPrimitives.ReadInt32LittleEndian(first) != 84 || !first[4..8].SequenceEqual("CORD"u8))
            throw new InputException($"{source}: not a DCD file (expected an 84-byte first record starting with 'CORD'; the file has {fileLength} bytes).");
        if (BinaryPrimitives.ReadInt32LittleEndian(first[88..]) != 84)
            throw new InputException($"{source}: malformed DCD header (the 84-byte first record is not closed by its length marker).");

        static int Control(ReadOnlySpan<byte> h, int i) => BinaryPrimitives.ReadInt32LittleEndian(h.Slice(ControlOffset + 4 * i));
        int frameCount = Control(first, 0), firstStep = Control(first, 1), interval = Control(first, 2), fixedAtoms = Control(first, 8);
        int charmmVersion = Control(first, 19);
        bool charmm = charmmVersion != 0;
        double dtAkma = charmm
            ? BinaryPrimitives.ReadSingleLittleEndian(first.Slice(ControlOffset + 36))
            : BinaryPrimitives.ReadDoubleLittleEndian(first.Slice(ControlOffset + 36));
        bool hasCell = charmm && Control(first, 10) != 0;
        if (charmm && Control(first, 11) != 0)
            throw new InputException($"{source}: 4-D DCD files are not supported.");
        if (fixedAtoms != 0)
            throw new InputException($"{source}: DCD files with fixed atoms ({fixedAtoms}) are not supported.");
        if (frameCount < 0)
            throw new InputException($"{source}: malformed DCD header (frame count {frameCount}).");

        // Title record: count, then 80 bytes per title.
        int titleLength = ReadMarker(stream, source, "title record");
        if (titleLength < 4 || (titleLength - 4) % 80 != 0 || 92 + 8L + titleLength > fileLength)
            throw new InputException($"{source}: malformed DCD title record (length {titleLength}).");
        var titleBytes = new byte[titleLength];
        if (Npy.ReadFully(stream, titleBytes) < titleLength)
            throw new InputException($"{source}: truncated DCD title record.");
        int titleCount = BinaryPrimitives.ReadInt32LittleEndian(titleBytes);
        if (titleCount * 80 + 4 != titleLength)
            throw new InputException($"{source}: malformed DCD title record ({titleCount} titles in {titleLength} bytes).");
        var titles = new List<string>();
        for (int t = 0; t < titleCount; t++)
            titles.Add(Encoding.ASCII.GetString(titleBytes, 4 + 80 * t, 80).TrimEnd('\0', ' '));
        if (ReadMarker(stream, source, "title record end") != titleLength)
            throw new InputException($"{source}: malformed DCD title record (end marker does not match).");

        if (ReadMarker(stream, source, "atom-count record") != 4)
            throw new InputException($"{source}: malformed DCD header (the atom-count record is not 4 bytes).");
        int atoms = ReadMarker(stream, source, "atom count");
        if (ReadMarker(stream, source, "atom-count record end") != 4 || atoms <= 0)
            throw new InputException($"{source}: malformed DCD header (atom count {atoms}).");

        return new DcdHeader(frameCount, firstStep, interval, dtAkma * AkmaTimePs, hasCell, atoms, titles)
        {
            DataOffset = stream.Position,
        };
    }

    /// <summary>The header bytes OpenMM writes (frame count and last step 0, updated as frames are added).</summary>
    internal static byte[] Build(int atomCount, int firstStep, int interval, double timeStepPs, string title1, string title2)
    {
        var b = new byte[WrittenLength];
        var s = b.AsSpan();
        BinaryPrimitives.WriteInt32LittleEndian(s, 84);
        "CORD"u8.CopyTo(s[4..]);
        void Control(int i, int v) => BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(ControlOffset + 4 * i), v);
        Control(1, firstStep);
        Control(2, interval);
        BinaryPrimitives.WriteSingleLittleEndian(s[(ControlOffset + 36)..], (float)(timeStepPs / AkmaTimePs));
        Control(10, 0); // no unit cell: our systems are not periodic
        Control(19, 24); // CHARMM version OpenMM claims
        BinaryPrimitives.WriteInt32LittleEndian(s[88..], 84);
        BinaryPrimitives.WriteInt32LittleEndian(s[92..], 164);
        BinaryPrimitives.WriteInt32LittleEndian(s[96..], 2);
        WriteTitle(s.Slice(100, 80), title1);
        WriteTitle(s.Slice(180, 80), title2);
        BinaryPrimitives.WriteInt32LittleEndian(s[260..], 164);
        BinaryPrimitives.WriteInt32LittleEndian(s[264..], 4);
        BinaryPrimitives.WriteInt32LittleEndian(s[268..], atomCount);
        BinaryPrimitives.WriteInt32LittleEndian(s[272..], 4);
        return b;
    }

    private static void WriteTitle(Span<byte> field, string title)
    {
        // NUL-padded like Python's struct '80s'; non-ASCII becomes '?'.
        var bytes = Encoding.ASCII.GetBytes(title.Length > 80 ? title[..80] : title);
        bytes.CopyTo(field);
    }

    private static int ReadMarker(Stream stream, string source, string what)
    {
        Span<byte> m = stackalloc byte[4];
        if (Npy.ReadFully(stream, m) < 4)
            throw new InputException($"{source}: truncated DCD header (file ends in the {what}).");
        return BinaryPrimitives.ReadInt32LittleEndian(m);
    }
}
