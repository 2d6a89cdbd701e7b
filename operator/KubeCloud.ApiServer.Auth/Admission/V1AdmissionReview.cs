// Hand-written: admission.k8s.io/v1 is not in the OpenAPI document, so KubernetesClient's k8s.Models lack it.
// Field names and JSON shapes follow k8s.io/api/admission/v1/types.go.
using System.Text.Json.Serialization;
using k8s.Models;

namespace KubeCloud.ApiServer.Auth;

/// <summary>
/// AdmissionReview describes an admission review request/response, the body an API server POSTs to an
/// admission webhook and the body the webhook answers with.
/// </summary>
[KubernetesEntity(Group = KubeGroup, ApiVersion = KubeApiVersion, Kind = KubeKind, PluralName = KubePluralName)]
public sealed partial class V1AdmissionReview
{
    /// <summary>The API group.</summary>
    public const string KubeGroup = "admission.k8s.io";

    /// <summary>The API version within the group.</summary>
    public const string KubeApiVersion = "v1";

    /// <summary>The kind.</summary>
    public const string KubeKind = "AdmissionReview";

    /// <summary>The resource plural; null because admission reviews are not a served resource.</summary>
    public const string? KubePluralName = null;

    /// <summary>APIVersion defines the versioned schema of this representation of an object (<c>admission.k8s.io/v1</c>).</summary>
    [JsonPropertyName("apiVersion")]
    public string? ApiVersion { get; set; }

    /// <summary>Kind is <c>AdmissionReview</c>.</summary>
    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    /// <summary>Request describes the attributes for the admission request.</summary>
    [JsonPropertyName("request")]
    public V1AdmissionRequest? Request { get; set; }

    /// <summary>Response describes the attributes for the admission response.</summary>
    [JsonPropertyName("response")]
    public V1AdmissionResponse? Response { get; set; }
}
