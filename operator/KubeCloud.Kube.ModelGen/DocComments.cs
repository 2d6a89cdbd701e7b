using System.Text;

namespace KubeCloud.Kube.ModelGen;

/// <summary>Writes a description from the document as an escaped XML <c>summary</c> comment.</summary>
public static class DocComments
{
    /// <summary>Appends <c>/// &lt;summary&gt;</c> lines for <paramref name="description"/>; nothing when it is empty.</summary>
    public static void AppendSummary(StringBuilder output, string indent, string? description)
    {
        if (string.IsNullOrWhiteSpace(description))
        {
            return;
        }

        output.Append(indent).Append("/// <summary>\n");
        foreach (var line in description.Replace("\r\n", "\n", StringComparison.Ordinal).Trim().Split('\n'))
        {
            var text = Escape(line.TrimEnd());
            output.Append(indent).Append("///");
            if (text.Length > 0)
            {
                output.Append(' ').Append(text);
            }

            output.Append('\n');
        }

        output.Append(indent).Append("/// </summary>\n");
    }

    private static string Escape(string text) => text
        .Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal);
}
