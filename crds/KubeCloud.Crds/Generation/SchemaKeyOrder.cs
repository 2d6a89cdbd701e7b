using System.Text.Json.Nodes;

namespace KubeCloud.Crds.Generation;

/// <summary>The key order of a schema node in generated CRDs: description and type first, properties last.</summary>
internal static class SchemaKeyOrder
{
    private static readonly string[] Keys =
    [
        "description", "type", "format", "enum", "default", "nullable",
        "minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum",
        "minLength", "maxLength", "pattern", "minItems", "maxItems", "minProperties", "maxProperties",
        "anyOf", "x-kubernetes-int-or-string", "x-kubernetes-preserve-unknown-fields",
        "x-kubernetes-list-type", "x-kubernetes-list-map-keys", "x-kubernetes-validations",
        "required", "items", "additionalProperties", "properties",
    ];

    /// <summary>A copy of <paramref name="schema"/> with its keys in the canonical order (children are moved, not copied).</summary>
    public static JsonObject Apply(JsonObject schema)
    {
        var ordered = new JsonObject();
        var names = schema.Select(p => p.Key)
            .OrderBy(k => Array.IndexOf(Keys, k) is var i && i < 0 ? int.MaxValue : i)
            .ThenBy(k => k, StringComparer.Ordinal)
            .ToList();
        foreach (var name in names)
        {
            var value = schema[name];
            schema.Remove(name);
            ordered[name] = value;
        }

        return ordered;
    }
}
