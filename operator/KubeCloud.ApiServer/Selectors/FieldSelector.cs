using System.Text.Json.Nodes;
using KubeCloud.ApiServer.Http;
using KubeCloud.ApiServer.Storage;

namespace KubeCloud.ApiServer.Selectors;

/// <summary>A field selector over metadata.name and metadata.namespace (and simple paths of built-ins' common fields and of Events): <c>=</c>, <c>==</c>, <c>!=</c>.</summary>
public sealed class FieldSelector
{
    private readonly List<(string Field, bool Equal, string Value)> _terms;

    private FieldSelector(List<(string, bool, string)> terms)
    {
        _terms = terms;
    }

    public static FieldSelector Everything { get; } = new([]);

    public bool IsEmpty => _terms.Count == 0;

    public static FieldSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }

        var terms = new List<(string, bool, string)>();
        foreach (var term in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var (index, length, equal) = term.IndexOf("!=", StringComparison.Ordinal) is var ne and > 0 ? (ne, 2, false)
                : term.IndexOf("==", StringComparison.Ordinal) is var ee and > 0 ? (ee, 2, true)
                : term.IndexOf('=', StringComparison.Ordinal) is var e and > 0 ? (e, 1, true)
                : throw ApiException.BadRequest($"invalid selector: '{text}'; can't understand '{term}'");
            var field = term[..index].Trim();
            if (!IsKnown(field))
            {
                throw ApiException.BadRequest($"\"{field}\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"");
            }

            terms.Add((field, equal, term[(index + length)..].Trim()));
        }

        return new FieldSelector(terms);
    }

    /// <summary>
    /// The fields kube-apiserver lets clients select on: metadata.name and metadata.namespace everywhere, simple spec and
    /// status paths of the built-ins, and an Event's (core/v1 and events.k8s.io/v1) involvedObject / regarding, reason,
    /// type, source and reporting component, which <c>kubectl describe</c> asks for to show an object's events.
    /// </summary>
    private static bool IsKnown(string field) =>
        field is "metadata.name" or "metadata.namespace" or "type" or "reason" or "source" or "reportingComponent" or "reportingController"
        || field.StartsWith("spec.", StringComparison.Ordinal) || field.StartsWith("status.", StringComparison.Ordinal)
        || field.StartsWith("involvedObject.", StringComparison.Ordinal) || field.StartsWith("regarding.", StringComparison.Ordinal);

    public bool Matches(JsonObject obj) => _terms.All(t => (Value(obj, t.Field) == t.Value) == t.Equal);

    private static string Value(JsonObject obj, string field)
    {
        JsonNode? node = obj;
        foreach (var part in (field == "source" ? "source.component" : field).Split('.'))
        {
            node = node is JsonObject o ? o[part] : null;
        }

        return node is JsonValue value ? value.ToString() : field == "metadata.namespace" ? obj.Namespace() : "";
    }
}
