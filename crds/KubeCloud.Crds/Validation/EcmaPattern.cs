using System.Text;
using System.Text.RegularExpressions;

namespace KubeCloud.Crds.Validation;

/// <summary>
/// Compiles an OpenAPI (ECMA-262) pattern for .NET: ECMAScript semantics for classes such as
/// <c>\d</c> and <c>\w</c>, and <c>$</c> anchored at the very end of the text (in .NET a bare
/// <c>$</c> also matches before a final newline, which ECMA-262 and Go do not allow).
/// </summary>
public static class EcmaPattern
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);

    public static Regex Compile(string pattern) =>
        new(Translate(pattern), RegexOptions.ECMAScript, Timeout);

    /// <summary>Rewrites every unescaped <c>$</c> outside a character class to "end of text, no newline after".</summary>
    public static string Translate(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var builder = new StringBuilder(pattern.Length + 8);
        var inClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                builder.Append(c).Append(pattern[++i]);
                continue;
            }

            if (inClass)
            {
                inClass = c != ']';
                builder.Append(c);
                continue;
            }

            switch (c)
            {
                case '[':
                    inClass = true;
                    builder.Append(c);
                    if (i + 1 < pattern.Length && pattern[i + 1] == ']')
                    {
                        builder.Append(pattern[++i]);
                    }

                    break;
                case '$':
                    builder.Append("(?!\\n)$");
                    break;
                default:
                    builder.Append(c);
                    break;
            }
        }

        return builder.ToString();
    }
}
