using System.Globalization;

namespace BoltzmannGen.Data;

/// <summary>Parses fixed-column PDB records into a <see cref="PdbFile"/>; see <see cref="Pdb.Read(string)"/>.</summary>
internal sealed class PdbReader
{
    /// <summary>What identifies an atom across models: name, residue name, residue number, insertion code, chain.</summary>
    private readonly record struct AtomKey(string Name, string ResName, int ResSeq, char ICode, string Chain)
    {
        public override string ToString() =>
            $"'{Name}' of {ResName} {ResSeq}{(ICode == ' ' ? "" : ICode.ToString())}{(Chain.Length > 0 ? " chain " + Chain : "")}";
    }

    private sealed class Model(int number, int firstLine)
    {
        public int Number { get; } = number;
        public int FirstLine { get; } = firstLine;
        public List<double> Positions { get; } = [];
        public int AtomCount => Positions.Count / 3;
        public HashSet<AtomKey> AltLocSeen { get; } = [];
    }

    private readonly string _source;
    private readonly List<AtomKey> _keys = [];           // atoms of the first model
    private readonly List<Atom> _atoms = [];
    private readonly List<Residue> _residues = [];
    private readonly Dictionary<int, int> _serialToIndex = [];
    private readonly HashSet<int> _duplicateSerials = [];
    private readonly List<(int Line, string Text)> _conect = [];
    private readonly List<double[]> _finished = [];
    private Model? _current;
    private int _firstModelNumber = 1;
    private bool _sawModelRecord, _sawImplicitModel, _chainBreak;
    private (string ResName, int ResSeq, char ICode, string Chain)? _lastResidue;

    private PdbReader(string source) => _source = source;

    public static PdbFile Read(TextReader reader, string source)
    {
        var r = new PdbReader(source);
        r.ReadLines(reader);
        return r.Build();
    }

    private InputException Error(int line, string what) => new($"{_source}: line {line}: {what}");

    private void ReadLines(TextReader reader)
    {
        int lineNumber = 0;
        string? raw;
        while ((raw = reader.ReadLine()) != null)
        {
            lineNumber++;
            string line = raw.Length < 80 ? raw.PadRight(80) : raw;
            string record = line[..6].TrimEnd();
            switch (record)
            {
                case "MODEL":
                    if (_sawImplicitModel)
                        throw Error(lineNumber, "MODEL record after ATOM/HETATM records that were outside any MODEL.");
                    FinishModel(lineNumber);
                    _sawModelRecord = true;
                    int number = int.TryParse(line[6..].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int n)
                        ? n : _finished.Count + 1;
                    _current = new Model(number, lineNumber);
                    break;
                case "ENDMDL":
                    if (_current == null) throw Error(lineNumber, "ENDMDL without a preceding MODEL.");
                    FinishModel(lineNumber);
                    break;
                case "ATOM" or "HETATM":
                    AddAtom(line, lineNumber, record == "HETATM");
                    break;
                case "TER":
                    _chainBreak = true;
                    break;
                case "CONECT":
                    _conect.Add((lineNumber, line));
                    break;
                case "END":
                    // VMD writes one END per frame without MODEL records: each END closes an implicit model.
                    if (_current != null && !_sawModelRecord) FinishModel(lineNumber);
                    break;
            }
        }
        FinishModel(lineNumber);
    }

    private void AddAtom(string line, int lineNumber, bool hetatm)
    {
        if (_current == null)
        {
            if (_sawModelRecord) throw Error(lineNumber, "ATOM/HETATM record outside MODEL/ENDMDL in a multi-model file.");
            _sawImplicitModel = true;
            _current = new Model(_finished.Count + 1, lineNumber);
        }
        var model = _current;
        string nameField = line.Substring(12, 4);
        char altLoc = line[16];
        string resName = line.Substring(17, 3).Trim();
        string chain = line.Substring(21, 1).Trim();
        string seqText = line.Substring(22, 4).Trim();
        if (!int.TryParse(seqText, NumberStyles.Integer, CultureInfo.InvariantCulture, out int resSeq))
            throw Error(lineNumber, $"cannot read the residue sequence number '{seqText}' (columns 23-26).");
        char iCode = line[26];
        var key = new AtomKey(nameField.Trim(), resName, resSeq, iCode, chain);

        // Alternate locations: keep the first one listed for each atom, as most tools do.
        if (altLoc != ' ' && !model.AltLocSeen.Add(key)) return;

        double x = Coordinate(line, 30, lineNumber, 'x');
        double y = Coordinate(line, 38, lineNumber, 'y');
        double z = Coordinate(line, 46, lineNumber, 'z');

        int index = model.AtomCount;
        if (_finished.Count == 0)
        {
            AddTopologyAtom(line, key, nameField, hetatm, lineNumber);
        }
        else if (index >= _keys.Count)
        {
            throw Error(lineNumber, $"model {model.Number} has more atoms than model {_firstModelNumber} ({_keys.Count}): extra atom {key}.");
        }
        else if (_keys[index] != key)
        {
            throw Error(lineNumber, $"model {model.Number}: atom {index + 1} is {key}, but in model {_firstModelNumber} it is {_keys[index]}; all models must list the same atoms.");
        }
        model.Positions.Add(x);
        model.Positions.Add(y);
        model.Positions.Add(z);
    }

    private void AddTopologyAtom(string line, AtomKey key, string nameField, bool hetatm, int lineNumber)
    {
        var residueKey = (key.ResName, key.ResSeq, key.ICode, key.Chain);
        if (_lastResidue != residueKey || _chainBreak || _residues.Count == 0)
        {
            _residues.Add(new Residue(_residues.Count, key.ResName, key.ResSeq, key.Chain));
            _lastResidue = residueKey;
            _chainBreak = false;
        }
        string element = PdbElements.Resolve(line.Substring(76, 2), nameField, hetatm)
            ?? throw Error(lineNumber, $"cannot determine the element of atom {key} (columns 77-78 are blank and the name gives none).");
        int index = _atoms.Count;
        _atoms.Add(new Atom(index, key.Name, element, _residues.Count - 1));
        _keys.Add(key);

        // Serials are only needed to resolve CONECT; unreadable ones (e.g. "*****" overflow) fail only if used.
        if (int.TryParse(line.AsSpan(6, 5).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int serial)
            && !_serialToIndex.TryAdd(serial, index))
            _duplicateSerials.Add(serial);
    }

    private double Coordinate(string line, int start, int lineNumber, char axis)
    {
        var text = line.AsSpan(start, 8).Trim();
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double angstrom))
            throw Error(lineNumber, $"cannot read the {axis} coordinate '{text}' (columns {start + 1}-{start + 8}).");
        return angstrom / 10.0; // Å → nm
    }

    private void FinishModel(int lineNumber)
    {
        if (_current == null) return;
        var model = _current;
        _current = null;
        if (_finished.Count == 0)
        {
            _firstModelNumber = model.Number;
            if (model.AtomCount == 0) throw Error(lineNumber, $"model {model.Number} (from line {model.FirstLine}) has no atoms.");
        }
        else if (model.AtomCount != _keys.Count)
        {
            throw Error(lineNumber, $"model {model.Number} (from line {model.FirstLine}) has {model.AtomCount} atoms, model {_firstModelNumber} has {_keys.Count}.");
        }
        _finished.Add(model.Positions.ToArray());
    }

    private PdbFile Build()
    {
        if (_finished.Count == 0) throw new InputException($"{_source}: no ATOM/HETATM records.");
        var topology = new Topology(_atoms, _residues, ReadBonds());
        int n = _atoms.Count;
        var positions = new double[(long)_finished.Count * n * 3];
        for (int m = 0; m < _finished.Count; m++) _finished[m].CopyTo(positions, (long)m * n * 3);
        return new PdbFile(topology, new Frames(_finished.Count, n, positions));
    }

    private List<(int I, int J)> ReadBonds()
    {
        var bonds = new SortedSet<(int I, int J)>();
        foreach (var (lineNumber, line) in _conect)
        {
            int? from = null;
            // Columns 7-11 hold the atom, 12-31 up to four bonded atoms (later columns are not bonds).
            for (int field = 0; field < 5; field++)
            {
                var text = line.AsSpan(6 + 5 * field, 5).Trim();
                if (text.IsEmpty) continue;
                if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int serial))
                    throw Error(lineNumber, $"cannot read the atom serial '{text}' in a CONECT record.");
                int index = IndexOfSerial(serial, lineNumber);
                if (field == 0) { from = index; continue; }
                if (from == null) throw Error(lineNumber, "CONECT record without its own atom serial (columns 7-11).");
                if (index == from) throw Error(lineNumber, $"CONECT record bonds atom serial {serial} to itself.");
                bonds.Add(index < from ? (index, from.Value) : (from.Value, index));
            }
        }
        return bonds.ToList();
    }

    private int IndexOfSerial(int serial, int lineNumber)
    {
        if (_duplicateSerials.Contains(serial))
            throw Error(lineNumber, $"CONECT refers to atom serial {serial}, which several atoms share.");
        return _serialToIndex.TryGetValue(serial, out int index)
            ? index
            : throw Error(lineNumber, $"CONECT refers to atom serial {serial}, which no ATOM/HETATM record has.");
    }
}
