// Hand-written: meta/v1 GroupVersionResource is used by admission.k8s.io/v1, which KubernetesClient's k8s.Models lack.
using System.Text.Json.Serialization;

namespace KubeCloud.ApiServer.Auth;

/// <summary>GroupVersionResource unambiguously identifies a resource.</summary>
public sealed partial class V1GroupVersionResource
{
    /// <summary>The API group; empty for the core group.</summary>
    [JsonPropertyName("group")]
    public string? Group { get; set; }

    /// <summary>The version within the group.</summary>
    [JsonPropertyName("version")]
    public string? Version { get; set; }

    /// <summary>The resource plural.</summary>
    [JsonPropertyName("resource")]
    public string? Resource { get; set; }
}
