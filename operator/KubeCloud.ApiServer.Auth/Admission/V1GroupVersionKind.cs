// Hand-written: meta/v1 GroupVersionKind is used by admission.k8s.io/v1, which KubernetesClient's k8s.Models lack.
using System.Text.Json.Serialization;

namespace KubeCloud.ApiServer.Auth;

/// <summary>GroupVersionKind unambiguously identifies a kind.</summary>
public sealed partial class V1GroupVersionKind
{
    /// <summary>The API group; empty for the core group.</summary>
    [JsonPropertyName("group")]
    public string? Group { get; set; }

    /// <summary>The version within the group.</summary>
    [JsonPropertyName("version")]
    public string? Version { get; set; }

    /// <summary>The kind.</summary>
    [JsonPropertyName("kind")]
    public string? Kind { get; set; }
}
