using System.Globalization;
using System.Text;

namespace BoltzmannGen.Data;

/// <summary>
/// The header dictionary of a .npy file, e.g. <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (24, 22, 3), }</c>.
/// numpy writes it as a Python literal; we parse the small subset numpy emits (strings, booleans, integer
/// tuples) instead of trusting a regular expression, so key order and spacing do not matter.
/// </summary>
internal sealed record NpyHeader(string Descr, bool FortranOrder, int[] Shape)
{
    /// <summary>The dictionary text numpy would write (without padding).</summary>
    public string Format()
    {
        string shape = Shape.Length switch
        {
            0 => "()",
            1 => $"({Shape[0]},)",
            _ => "(" + string.Join(", ", Shape) + ")",
        };
        return $"{{'descr': '{Descr}', 'fortran_order': {(FortranOrder ? "True" : "False")}, 'shape': {shape}, }}";
    }

    public static NpyHeader Parse(string text, string source)
    {
        var parser = new Parser(text, source);
        object? value = parser.ParseValue();
        parser.ExpectEnd();
        if (value is not Dictionary<string, object?> dict)
            throw parser.Error("the header is not a dictionary");

        string descr = dict.TryGetValue("descr", out object? d) && d is string s
            ? s
            : throw parser.Error(dict.ContainsKey("descr") ? "'descr' is not a simple dtype string (structured arrays are not supported)" : "no 'descr' key");
        bool fortran = dict.TryGetValue("fortran_order", out object? f) && f is bool b
            ? b
            : throw parser.Error("no boolean 'fortran_order' key");
        if (!dict.TryGetValue("shape", out object? sh) || sh is not List<object?> list)
            throw parser.Error("no tuple 'shape' key");
        var shape = new int[list.Count];
        for (int i = 0; i < list.Count; i++)
        {
            if (list[i] is not long n || n < 0 || n > int.MaxValue)
                throw parser.Error($"shape entry {i} is not a non-negative integer below 2^31");
            shape[i] = (int)n;
        }
        return new NpyHeader(descr, fortran, shape);
    }

    /// <summary>Recursive-descent parser for the Python literal subset numpy writes.</summary>
    private sealed class Parser(string text, string source)
    {
        private int _pos;

        public InputException Error(string what) =>
            new($"{source}: malformed .npy header ({what}): {text.TrimEnd()}");

        public void ExpectEnd()
        {
            SkipSpace();
            if (_pos != text.Length) throw Error($"unexpected text at character {_pos}");
        }

        public object? ParseValue()
        {
            SkipSpace();
            if (_pos >= text.Length) throw Error("unexpected end");
            char c = text[_pos];
            if (c == '{') return ParseDict();
            if (c is '(' or '[') return ParseSequence(c == '(' ? ')' : ']');
            if (c is '\'' or '"') return ParseString();
            if (char.IsDigit(c) || c == '-') return ParseInt();
            if (char.IsLetter(c))
            {
                int start = _pos;
                while (_pos < text.Length && char.IsLetter(text[_pos])) _pos++;
                return text[start.._pos] switch
                {
                    "True" => true,
                    "False" => false,
                    "None" => null,
                    var w => throw Error($"unexpected word '{w}'"),
                };
            }
            throw Error($"unexpected character '{c}' at {_pos}");
        }

        private Dictionary<string, object?> ParseDict()
        {
            _pos++; // '{'
            var dict = new Dictionary<string, object?>();
            while (true)
            {
                SkipSpace();
                if (Peek() == '}') { _pos++; return dict; }
                if (ParseValue() is not string key) throw Error("a dictionary key is not a string");
                SkipSpace();
                if (Peek() != ':') throw Error($"expected ':' after key '{key}'");
                _pos++;
                dict[key] = ParseValue();
                SkipSpace();
                if (Peek() == ',') { _pos++; continue; }
                if (Peek() == '}') { _pos++; return dict; }
                throw Error("expected ',' or '}' in the dictionary");
            }
        }

        private List<object?> ParseSequence(char close)
        {
            _pos++;
            var items = new List<object?>();
            while (true)
            {
                SkipSpace();
                if (Peek() == close) { _pos++; return items; }
                items.Add(ParseValue());
                SkipSpace();
                if (Peek() == ',') { _pos++; continue; }
                if (Peek() == close) { _pos++; return items; }
                throw Error($"expected ',' or '{close}'");
            }
        }

        private string ParseString()
        {
            char quote = text[_pos++];
            var sb = new StringBuilder();
            while (_pos < text.Length && text[_pos] != quote)
            {
                if (text[_pos] == '\\' && _pos + 1 < text.Length) _pos++;
                sb.Append(text[_pos++]);
            }
            if (_pos >= text.Length) throw Error("unterminated string");
            _pos++;
            return sb.ToString();
        }

        private long ParseInt()
        {
            int start = _pos;
            if (text[_pos] == '-') _pos++;
            while (_pos < text.Length && char.IsDigit(text[_pos])) _pos++;
            string digits = text[start.._pos];
            if (_pos < text.Length && text[_pos] is 'L' or 'l') _pos++; // Python 2 long suffix
            if (!long.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v))
                throw Error($"bad integer '{digits}'");
            return v;
        }

        private char Peek() => _pos < text.Length ? text[_pos] : '\0';

        private void SkipSpace()
        {
            while (_pos < text.Length && char.IsWhiteSpace(text[_pos])) _pos++;
        }
    }
}
