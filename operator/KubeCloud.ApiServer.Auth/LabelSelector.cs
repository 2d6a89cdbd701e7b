using k8s.Models;

namespace KubeCloud.ApiServer.Auth;

/// <summary>
/// A label selector as apimachinery's labels.Selector: parsed from the string form of
/// <c>labels.Parse</c> (<c>a=b</c>, <c>a==b</c>, <c>a!=b</c>, <c>a in (x,y)</c>, <c>a notin (x)</c>,
/// <c>a</c>, <c>!a</c>, comma-joined) or built from a <see cref="V1LabelSelector"/> (matchLabels and
/// matchExpressions In, NotIn, Exists, DoesNotExist). All requirements are ANDed; an empty selector
/// matches everything.
/// </summary>
public sealed class LabelSelector
{
    private readonly Requirement[] _requirements;

    private LabelSelector(Requirement[] requirements)
    {
        _requirements = requirements;
    }

    /// <summary>The selector that matches everything.</summary>
    public static LabelSelector Everything { get; } = new([]);

    /// <summary>True when the selector has no requirements and so matches everything.</summary>
    public bool IsEmpty => _requirements.Length == 0;

    /// <summary>Whether an object with these labels (k8s.Models' <c>IDictionary</c>) is selected.</summary>
    public bool Matches(IDictionary<string, string>? labels) =>
        Matches(labels as IReadOnlyDictionary<string, string> ?? (labels is null ? null : new System.Collections.ObjectModel.ReadOnlyDictionary<string, string>(labels)));

    /// <summary>Whether an object with these labels is selected.</summary>
    public bool Matches(Dictionary<string, string>? labels) => Matches((IReadOnlyDictionary<string, string>?)labels);

    /// <summary>Whether an object with these labels is selected.</summary>
    public bool Matches(IReadOnlyDictionary<string, string>? labels)
    {
        labels ??= new Dictionary<string, string>();
        foreach (var requirement in _requirements)
        {
            if (!requirement.Matches(labels))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Parses the string form; throws <see cref="FormatException"/> with kube's message.</summary>
    public static LabelSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }

        return new LabelSelector([.. SplitTerms(text).Select(term => ParseTerm(term.Trim(), text))]);
    }

    /// <summary>Builds a selector from a metav1.LabelSelector; an unknown operator is an <see cref="ArgumentException"/>.</summary>
    public static LabelSelector FromLabelSelector(V1LabelSelector? selector)
    {
        var requirements = new List<Requirement>();
        foreach (var (key, value) in selector?.MatchLabels ?? new Dictionary<string, string>())
        {
            requirements.Add(new Requirement(key, Operator.Equals, [value]));
        }

        foreach (var expression in selector?.MatchExpressions ?? [])
        {
            var op = expression.OperatorProperty switch
            {
                "In" => Operator.In,
                "NotIn" => Operator.NotIn,
                "Exists" => Operator.Exists,
                "DoesNotExist" => Operator.DoesNotExist,
                _ => throw new ArgumentException($"\"{expression.OperatorProperty}\" is not a valid label selector operator", nameof(selector)),
            };
            requirements.Add(new Requirement(expression.Key ?? "", op, [.. expression.Values ?? []]));
        }

        return requirements.Count == 0 ? Everything : new LabelSelector([.. requirements]);
    }

    private static IEnumerable<string> SplitTerms(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case ',' when depth == 0:
                    yield return text[start..i];
                    start = i + 1;
                    break;
            }
        }

        yield return text[start..];
    }

    private static Requirement ParseTerm(string term, string whole)
    {
        if (term.Length == 0)
        {
            throw Invalid(whole);
        }

        if (term.StartsWith('!'))
        {
            return new Requirement(Key(term[1..].Trim(), whole), Operator.DoesNotExist, []);
        }

        foreach (var (token, op) in new[] { ("!=", Operator.NotEquals), ("==", Operator.Equals), ("=", Operator.Equals) })
        {
            var index = term.IndexOf(token, StringComparison.Ordinal);
            if (index > 0)
            {
                return new Requirement(Key(term[..index].Trim(), whole), op, [term[(index + token.Length)..].Trim()]);
            }
        }

        foreach (var (token, op) in new[] { (" notin ", Operator.NotIn), (" in ", Operator.In) })
        {
            var index = term.IndexOf(token, StringComparison.Ordinal);
            if (index > 0)
            {
                var values = term[(index + token.Length)..].Trim();
                if (!values.StartsWith('(') || !values.EndsWith(')'))
                {
                    throw Invalid(whole);
                }

                return new Requirement(Key(term[..index].Trim(), whole), op, values[1..^1].Split(',', StringSplitOptions.TrimEntries));
            }
        }

        return new Requirement(Key(term, whole), Operator.Exists, []);
    }

    private static string Key(string key, string whole)
    {
        if (key.Length == 0 || key.Any(c => char.IsWhiteSpace(c) || c is '(' or ')' or '=' or '!'))
        {
            throw Invalid(whole);
        }

        return key;
    }

    private static FormatException Invalid(string text) => new($"unable to parse requirement: found '{text}', expected: identifier");

    private enum Operator
    {
        Equals,
        NotEquals,
        In,
        NotIn,
        Exists,
        DoesNotExist,
    }

    private sealed record Requirement(string Key, Operator Op, string[] Values)
    {
        public bool Matches(IReadOnlyDictionary<string, string> labels)
        {
            var has = labels.TryGetValue(Key, out var value);
            return Op switch
            {
                Operator.Equals => has && value == Values[0],
                Operator.NotEquals => !has || value != Values[0],
                Operator.In => has && Values.Contains(value),
                Operator.NotIn => !has || !Values.Contains(value),
                Operator.Exists => has,
                _ => !has,
            };
        }
    }
}
