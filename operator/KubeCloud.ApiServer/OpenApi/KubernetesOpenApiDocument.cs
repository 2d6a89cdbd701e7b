using System.Text.Json.Nodes;

namespace KubeCloud.ApiServer.OpenApi;

/// <summary>
/// The Kubernetes OpenAPI v2 document the built-ins come from (OpenApi/kubernetes/swagger-v1.36.json in this project,
/// embedded at build time). Parsed once per process; treat the tree as read-only.
/// </summary>
internal sealed class KubernetesOpenApiDocument
{
    private static readonly Lazy<KubernetesOpenApiDocument> Loaded = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    private KubernetesOpenApiDocument(JsonObject root)
    {
        Root = root;
        Definitions = root["definitions"]!.AsObject();
        Paths = root["paths"]!.AsObject();
        Parameters = root["parameters"]?.AsObject() ?? [];
        var byKind = new Dictionary<(string, string, string), string>();
        foreach (var (name, definition) in Definitions)
        {
            if (definition?["x-kubernetes-group-version-kind"] is JsonArray gvks)
            {
                foreach (var gvk in gvks)
                {
                    byKind.TryAdd(((string?)gvk?["group"] ?? "", (string?)gvk?["version"] ?? "", (string?)gvk?["kind"] ?? ""), name);
                }
            }
        }

        DefinitionsByKind = byKind;
    }

    public static KubernetesOpenApiDocument Instance => Loaded.Value;

    public JsonObject Root { get; }

    public JsonObject Definitions { get; }

    public JsonObject Paths { get; }

    public JsonObject Parameters { get; }

    /// <summary>Definition names by (group, version, kind).</summary>
    public IReadOnlyDictionary<(string Group, string Version, string Kind), string> DefinitionsByKind { get; }

    public JsonObject? Definition(string? name) => name is null ? null : Definitions[name] as JsonObject;

    /// <summary>Follows a <c>$ref</c> ("#/definitions/x") to its definition name.</summary>
    public static string? RefName(JsonNode? schema) =>
        schema?["$ref"] is JsonValue value && ((string?)value)?.StartsWith("#/definitions/", StringComparison.Ordinal) == true
            ? ((string)value!)["#/definitions/".Length..]
            : null;

    private static KubernetesOpenApiDocument Load()
    {
        using var stream = typeof(KubernetesOpenApiDocument).Assembly.GetManifestResourceStream("kubernetes-swagger.json")
            ?? throw new InvalidOperationException("The embedded Kubernetes OpenAPI document is missing.");
        return new KubernetesOpenApiDocument(JsonNode.Parse(stream)!.AsObject());
    }
}
