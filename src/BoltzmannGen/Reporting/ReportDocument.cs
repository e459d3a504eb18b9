using System.Net;
using System.Text;
using BoltzmannGen.Data;

namespace BoltzmannGen.Reporting;

/// <summary>
/// A small document model rendered both to Markdown and to self-contained HTML, so report.md and report.html
/// always say the same thing. Figures are linked by relative path in Markdown and embedded as base64 PNG data
/// URIs in HTML (no external resource of any kind).
/// </summary>
public sealed class ReportDocument
{
    public abstract record Block;
    public sealed record Heading(int Level, string Text) : Block;
    public sealed record Paragraph(string Text) : Block;
    public sealed record Bullets(IReadOnlyList<string> Items) : Block;
    public sealed record Table(IReadOnlyList<string> Header, IReadOnlyList<IReadOnlyList<string>> Rows) : Block;
    public sealed record Figure(string File, string Caption) : Block;

    public string Title { get; }
    public List<Block> Blocks { get; } = [];

    public ReportDocument(string title) => Title = title;

    public ReportDocument Add(Block block) { Blocks.Add(block); return this; }

    public string ToMarkdown()
    {
        var sb = new StringBuilder();
        sb.Append("# ").Append(Title).Append("\n\n");
        foreach (var block in Blocks)
        {
            switch (block)
            {
                case Heading h:
                    sb.Append(new string('#', Math.Clamp(h.Level, 2, 6))).Append(' ').Append(h.Text).Append("\n\n");
                    break;
                case Paragraph p:
                    sb.Append(p.Text).Append("\n\n");
                    break;
                case Bullets b:
                    foreach (var item in b.Items) sb.Append("- ").Append(item).Append('\n');
                    sb.Append('\n');
                    break;
                case Table t:
                    sb.Append("| ").Append(string.Join(" | ", t.Header.Select(Cell))).Append(" |\n");
                    sb.Append('|').Append(string.Concat(t.Header.Select(_ => "---|"))).Append('\n');
                    foreach (var row in t.Rows) sb.Append("| ").Append(string.Join(" | ", row.Select(Cell))).Append(" |\n");
                    sb.Append('\n');
                    break;
                case Figure f:
                    sb.Append("![").Append(f.Caption.Replace("]", "\\]")).Append("](").Append(MarkdownPath(f.File)).Append(")\n\n");
                    sb.Append('*').Append(f.Caption).Append("*\n\n");
                    break;
            }
        }
        return sb.ToString();

        static string Cell(string s) => s.Replace("|", "\\|").Replace("\n", " ");
    }

    private static string MarkdownPath(string file) => file.Replace('\\', '/').Replace(" ", "%20").Replace("(", "%28").Replace(")", "%29");

    private const string Css = """
        body { font-family: "DejaVu Sans", Arial, sans-serif; max-width: 1200px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
        h1 { border-bottom: 2px solid #ccc; padding-bottom: .2em; }
        h2 { margin-top: 1.6em; border-bottom: 1px solid #ddd; }
        table { border-collapse: collapse; margin: .5em 0 1em; }
        th, td { border: 1px solid #ccc; padding: .3em .7em; text-align: left; }
        th { background: #f3f3f3; }
        td.num { text-align: right; font-variant-numeric: tabular-nums; }
        figure { margin: 1em 0 2em; }
        figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
        figcaption { font-style: italic; color: #555; }
        .missing { color: #a00; }
        """;

    /// <summary>
    /// Self-contained HTML. Each figure's PNG is read from <paramref name="baseDir"/> and embedded; a missing file
    /// is stated in the page instead.
    /// </summary>
    public string ToHtml(string baseDir)
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>").Append(E(Title)).Append("</title>\n<style>\n")
          .Append(Css).Append("</style>\n</head>\n<body>\n<h1>").Append(E(Title)).Append("</h1>\n");
        foreach (var block in Blocks)
        {
            switch (block)
            {
                case Heading h:
                    int level = Math.Clamp(h.Level, 2, 6);
                    sb.Append($"<h{level}>").Append(E(h.Text)).Append($"</h{level}>\n");
                    break;
                case Paragraph p:
                    sb.Append("<p>").Append(E(p.Text)).Append("</p>\n");
                    break;
                case Bullets b:
                    sb.Append("<ul>\n");
                    foreach (var item in b.Items) sb.Append("<li>").Append(E(item)).Append("</li>\n");
                    sb.Append("</ul>\n");
                    break;
                case Table t:
                    sb.Append("<table>\n<tr>");
                    foreach (var h in t.Header) sb.Append("<th>").Append(E(h)).Append("</th>");
                    sb.Append("</tr>\n");
                    foreach (var row in t.Rows)
                    {
                        sb.Append("<tr>");
                        foreach (var c in row) sb.Append(LooksNumeric(c) ? "<td class=\"num\">" : "<td>").Append(E(c)).Append("</td>");
                        sb.Append("</tr>\n");
                    }
                    sb.Append("</table>\n");
                    break;
                case Figure f:
                    string full = Path.Combine(baseDir, f.File);
                    sb.Append("<figure>\n");
                    if (File.Exists(full))
                        sb.Append("<img alt=\"").Append(E(f.Caption)).Append("\" src=\"data:image/png;base64,")
                          .Append(Convert.ToBase64String(File.ReadAllBytes(full))).Append("\">\n");
                    else
                        sb.Append("<p class=\"missing\">plot file missing: ").Append(E(f.File)).Append("</p>\n");
                    sb.Append("<figcaption>").Append(E(f.Caption)).Append("</figcaption>\n</figure>\n");
                    break;
            }
        }
        sb.Append("</body>\n</html>\n");
        return sb.ToString();
    }

    private static string E(string s) => WebUtility.HtmlEncode(s);

    private static bool LooksNumeric(string s) =>
        s.Length > 0 && (char.IsDigit(s[0]) || ((s[0] == '-' || s[0] == '+') && s.Length > 1 && char.IsDigit(s[1])) || s is "inf" or "-inf" or "nan");

    public void WriteMarkdown(string path) => WriteText(path, ToMarkdown());

    public void WriteHtml(string path) => WriteText(path, ToHtml(Path.GetDirectoryName(Path.GetFullPath(path))!));

    internal static void WriteText(string path, string text) =>
        AtomicFile.WriteText(path, text);
}
