namespace BoltzmannGen.Data;

/// <summary>
/// Element symbols for PDB atoms: columns 77-78 when present, otherwise inferred from the atom-name field
/// (columns 13-16) the way the PDB convention aligns it: one-letter elements start in column 14, so a blank or
/// a digit in column 13 ("1HB ", " CA ") means the element is the letter in column 14; a name starting in
/// column 13 is a two-letter element only for short HETATM names such as "CL" or "ZN" (ions), and the first
/// letter otherwise ("HD21" is hydrogen).
/// </summary>
internal static class PdbElements
{
    private static readonly HashSet<string> TwoLetter =
    [
        "LI", "BE", "NA", "MG", "AL", "SI", "CL", "AR", "CA", "SC", "TI", "CR", "MN", "FE", "CO", "NI", "CU",
        "ZN", "GA", "GE", "AS", "SE", "BR", "KR", "RB", "SR", "CD", "SN", "SB", "TE", "XE", "CS", "BA", "PT",
        "AU", "HG", "PB",
    ];

    /// <summary>"CL" / "cl" / "Cl" → "Cl"; the spelling stored in <see cref="Systems.Atom.Element"/>.</summary>
    public static string Normalize(string symbol) =>
        symbol.Length switch
        {
            0 => symbol,
            1 => symbol.ToUpperInvariant(),
            _ => char.ToUpperInvariant(symbol[0]) + symbol[1..].ToLowerInvariant(),
        };

    /// <summary>The element from columns 77-78 if they hold letters, else inferred; null if nothing fits.</summary>
    public static string? Resolve(string elementColumns, string nameField, bool hetatm)
    {
        string e = elementColumns.Trim();
        if (e.Length > 0 && e.All(char.IsAsciiLetter)) return Normalize(e);
        return Infer(nameField, hetatm);
    }

    public static string? Infer(string nameField, bool hetatm)
    {
        string field = nameField.PadRight(4);
        if (field[0] == ' ' || char.IsDigit(field[0]))
        {
            char c = field[1];
            return char.IsAsciiLetter(c) ? c.ToString().ToUpperInvariant() : null;
        }
        string trimmed = field.Trim();
        if (hetatm && trimmed.Length <= 2 && TwoLetter.Contains(trimmed.ToUpperInvariant()))
            return Normalize(trimmed);
        return char.IsAsciiLetter(field[0]) ? field[0].ToString().ToUpperInvariant() : null;
    }
}
