using System.Text.Json.Serialization;
using k8s.Models;

namespace KubeCloud.ControllerRuntime.Client;

/// <summary>A list of objects of any kind, as the API server returns it (<c>ServerList</c>, <c>PodList</c>...).</summary>
public sealed class KubeList<T>
{
    [JsonPropertyName("apiVersion")]
    public string? ApiVersion { get; set; }

    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    [JsonPropertyName("metadata")]
    public V1ListMeta? Metadata { get; set; }

    [JsonPropertyName("items")]
    public List<T>? Items { get; set; }
}
