using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace KubeCloud.ControllerRuntime.Client;

/// <summary>The four patch types the API server accepts.</summary>
public enum PatchType
{
    /// <summary>RFC 7386 JSON merge patch: lists are replaced whole.</summary>
    Merge,

    /// <summary>RFC 6902 JSON patch: a list of operations (test, add, replace, remove...).</summary>
    Json,

    /// <summary>Kubernetes strategic merge patch (built-in kinds only; custom resources reject it).</summary>
    StrategicMerge,

    /// <summary>Server-side apply: the fields this manager wants, with ownership tracked in managedFields.</summary>
    Apply,
}

/// <summary>A patch body and its type. Build with <see cref="Merge"/>, <see cref="Json"/>, <see cref="StrategicMerge"/> or <see cref="Apply"/>.</summary>
public sealed class KubePatch
{
    private KubePatch(PatchType type, string body)
    {
        Type = type;
        Body = body;
    }

    public PatchType Type { get; }

    /// <summary>The serialized patch document.</summary>
    public string Body { get; }

    /// <summary>The Content-Type that names the patch type on the wire.</summary>
    public string ContentType => Type switch
    {
        PatchType.Merge => "application/merge-patch+json",
        PatchType.Json => "application/json-patch+json",
        PatchType.StrategicMerge => "application/strategic-merge-patch+json",
        PatchType.Apply => "application/apply-patch+yaml",
        _ => throw new InvalidOperationException($"Unknown patch type {Type}."),
    };

    /// <summary>A JSON merge patch from any object (serialized with <see cref="KubernetesJsonOptions.Options"/>, nulls omitted) or a <see cref="JsonNode"/> (explicit nulls remove fields).</summary>
    public static KubePatch Merge(object patch) => new(PatchType.Merge, Serialize(patch));

    /// <summary>A JSON patch; <paramref name="operations"/> is a <see cref="JsonArray"/> of operations or an object that serializes to one.</summary>
    public static KubePatch Json(object operations) => new(PatchType.Json, Serialize(operations));

    /// <summary>A strategic merge patch.</summary>
    public static KubePatch StrategicMerge(object patch) => new(PatchType.StrategicMerge, Serialize(patch));

    /// <summary>A server-side apply configuration (JSON is valid YAML): the full intent of one field manager.</summary>
    public static KubePatch Apply(object configuration) => new(PatchType.Apply, Serialize(configuration));

    private static string Serialize(object value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value switch
        {
            string text => text,
            JsonNode node => node.ToJsonString(KubernetesJsonOptions.Options),
            _ => JsonSerializer.Serialize(value, KubernetesJsonOptions.Options.GetTypeInfo(value.GetType())),
        };
    }
}
