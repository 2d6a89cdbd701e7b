using System.Text.Json.Nodes;

namespace KubeCloud.ApiServer.Tables;

/// <summary>
/// The JSONPath forms printer columns use: <c>.a.b</c>, <c>.a[0]</c>, <c>.a[*].b</c>,
/// <c>.a[?(@.type=="Ready")].status</c>, optionally wrapped in <c>{}</c>. Returns every match.
/// </summary>
public static class SimpleJsonPath
{
    public static IReadOnlyList<JsonNode> Evaluate(string path, JsonNode? root)
    {
        var text = path.Trim();
        if (text.StartsWith('{') && text.EndsWith('}'))
        {
            text = text[1..^1];
        }

        IEnumerable<JsonNode?> current = [root];
        var i = text.StartsWith('$') ? 1 : 0;
        while (i < text.Length)
        {
            if (text[i] == '.')
            {
                var end = i + 1;
                while (end < text.Length && text[end] is not '.' and not '[')
                {
                    end++;
                }

                var name = text[(i + 1)..end];
                current = current.Select(n => n is JsonObject o ? o[name] : null).ToList();
                i = end;
            }
            else if (text[i] == '[')
            {
                var end = FindClose(text, i);
                var inner = text[(i + 1)..end];
                current = current.SelectMany(n => Index(n, inner)).ToList();
                i = end + 1;
            }
            else
            {
                return [];
            }
        }

        return current.OfType<JsonNode>().ToList();
    }

    private static int FindClose(string text, int open)
    {
        var depth = 0;
        for (var i = open; i < text.Length; i++)
        {
            if (text[i] == '[')
            {
                depth++;
            }
            else if (text[i] == ']' && --depth == 0)
            {
                return i;
            }
        }

        return text.Length - 1;
    }

    private static IEnumerable<JsonNode?> Index(JsonNode? node, string inner)
    {
        if (inner == "*")
        {
            return node switch
            {
                JsonArray array => array,
                JsonObject obj => obj.Select(p => p.Value),
                _ => [],
            };
        }

        if (inner.StartsWith("?(", StringComparison.Ordinal) && inner.EndsWith(')'))
        {
            return node is JsonArray items ? items.Where(item => Filter(item, inner[2..^1])) : [];
        }

        if (int.TryParse(inner, out var index))
        {
            return node is JsonArray array && array.Count > 0 ? [array[index < 0 ? array.Count + index : index]] : [];
        }

        var key = inner.Trim('\'', '"');
        return node is JsonObject o ? [o[key]] : [];
    }

    private static bool Filter(JsonNode? item, string condition)
    {
        foreach (var op in new[] { "==", "!=" })
        {
            var index = condition.IndexOf(op, StringComparison.Ordinal);
            if (index < 0)
            {
                continue;
            }

            var left = condition[..index].Trim();
            var right = condition[(index + 2)..].Trim().Trim('"', '\'');
            var values = Evaluate(left.StartsWith('@') ? left[1..] : left, item);
            var matches = values.Any(v => v is JsonValue value && value.ToString() == right);
            return op == "==" ? matches : !matches;
        }

        var exists = condition.Trim();
        return Evaluate(exists.StartsWith('@') ? exists[1..] : exists, item).Count > 0;
    }
}
