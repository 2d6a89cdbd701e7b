using System.Text.Json.Nodes;

namespace KubeCloud.Kube.TestServer;

/// <summary>Equality-based label selectors (<c>a=b,c!=d,e</c>), enough for tests.</summary>
internal sealed class LabelSelector
{
    private readonly List<(string Key, string? Value, bool Negate)> _terms = [];

    public static LabelSelector Parse(string? text)
    {
        var selector = new LabelSelector();
        foreach (var term in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (term.Contains("!=", StringComparison.Ordinal))
            {
                var parts = term.Split("!=");
                selector._terms.Add((parts[0], parts[1], true));
            }
            else if (term.Contains('=', StringComparison.Ordinal))
            {
                var parts = term.Split('=', 2);
                selector._terms.Add((parts[0], parts[1].TrimStart('='), false));
            }
            else
            {
                selector._terms.Add((term, null, false));
            }
        }

        return selector;
    }

    public bool Matches(JsonObject obj)
    {
        var labels = obj["metadata"]?["labels"] as JsonObject;
        foreach (var (key, value, negate) in _terms)
        {
            var actual = labels?[key]?.GetValue<string>();
            var ok = value is null ? actual is not null : actual == value;
            if (ok == negate)
            {
                return false;
            }
        }

        return true;
    }
}
