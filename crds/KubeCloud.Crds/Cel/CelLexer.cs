using System.Globalization;
using System.Text;

namespace KubeCloud.Crds.Cel;

internal enum CelTokenKind
{
    Identifier,
    Integer,
    String,
    Operator,
    End,
}

internal sealed record CelToken(CelTokenKind Kind, string Text, int Position, object? Value = null);

/// <summary>Splits a rule into tokens; any character or literal form outside the supported subset is refused.</summary>
internal static class CelLexer
{
    private static readonly string[] Operators = ["==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", "-", "(", ")", ",", "."];

    public static List<CelToken> Tokenize(string rule)
    {
        var tokens = new List<CelToken>();
        var i = 0;
        while (i < rule.Length)
        {
            var c = rule[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }

            if (char.IsAsciiLetter(c) || c == '_')
            {
                var start = i;
                while (i < rule.Length && (char.IsAsciiLetterOrDigit(rule[i]) || rule[i] == '_'))
                {
                    i++;
                }

                var word = rule[start..i];
                if (i < rule.Length && rule[i] is '\'' or '"')
                {
                    throw new CelUnsupportedException($"unsupported string prefix '{word}' at {start}");
                }

                tokens.Add(new CelToken(CelTokenKind.Identifier, word, start));
                continue;
            }

            if (char.IsAsciiDigit(c))
            {
                var start = i;
                while (i < rule.Length && char.IsAsciiDigit(rule[i]))
                {
                    i++;
                }

                if (i < rule.Length && (char.IsAsciiLetter(rule[i]) || rule[i] == '.' && i + 1 < rule.Length && char.IsAsciiDigit(rule[i + 1])))
                {
                    throw new CelUnsupportedException($"unsupported number literal at {start} (only decimal int literals are supported)");
                }

                var text = rule[start..i];
                if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
                {
                    throw new CelUnsupportedException($"int literal {text} out of range at {start}");
                }

                tokens.Add(new CelToken(CelTokenKind.Integer, text, start, number));
                continue;
            }

            if (c is '\'' or '"')
            {
                tokens.Add(ReadString(rule, ref i));
                continue;
            }

            var op = Operators.FirstOrDefault(o => string.CompareOrdinal(rule, i, o, 0, o.Length) == 0);
            if (op is null)
            {
                throw new CelUnsupportedException($"unsupported character '{c}' at {i}");
            }

            tokens.Add(new CelToken(CelTokenKind.Operator, op, i));
            i += op.Length;
        }

        tokens.Add(new CelToken(CelTokenKind.End, string.Empty, rule.Length));
        return tokens;
    }

    private static CelToken ReadString(string rule, ref int i)
    {
        var quote = rule[i];
        var start = i;
        if (string.CompareOrdinal(rule, i, new string(quote, 3), 0, 3) == 0)
        {
            throw new CelUnsupportedException($"unsupported triple-quoted string at {start}");
        }

        i++;
        var value = new StringBuilder();
        while (true)
        {
            if (i >= rule.Length || rule[i] is '\n' or '\r')
            {
                throw new CelUnsupportedException($"unterminated string at {start}");
            }

            var c = rule[i++];
            if (c == quote)
            {
                break;
            }

            if (c != '\\')
            {
                value.Append(c);
                continue;
            }

            if (i >= rule.Length)
            {
                throw new CelUnsupportedException($"unterminated string at {start}");
            }

            var escaped = rule[i++];
            value.Append(escaped switch
            {
                '\\' => '\\',
                '\'' => '\'',
                '"' => '"',
                'n' => '\n',
                't' => '\t',
                'r' => '\r',
                _ => throw new CelUnsupportedException($"unsupported escape '\\{escaped}' in string at {start}"),
            });
        }

        return new CelToken(CelTokenKind.String, rule[start..i], start, value.ToString());
    }
}
