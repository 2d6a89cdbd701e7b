// Hand-written: admission.k8s.io/v1 is not in the OpenAPI document, so KubernetesClient's k8s.Models lack it.
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using k8s.Models;

namespace KubeCloud.ApiServer.Auth;

/// <summary>AdmissionRequest describes the admission.Attributes for the admission request.</summary>
public sealed partial class V1AdmissionRequest
{
    /// <summary>UID identifies this admission call; the response must echo it.</summary>
    [JsonPropertyName("uid")]
    public string? Uid { get; set; }

    /// <summary>Kind is the fully-qualified type of object being submitted (for example, v1.Pod or autoscaling.v1.Scale).</summary>
    [JsonPropertyName("kind")]
    public V1GroupVersionKind? Kind { get; set; }

    /// <summary>Resource is the fully-qualified resource being requested (for example, v1.pods).</summary>
    [JsonPropertyName("resource")]
    public V1GroupVersionResource? Resource { get; set; }

    /// <summary>SubResource is the subresource being requested, if any (for example, "status" or "scale").</summary>
    [JsonPropertyName("subResource")]
    public string? SubResource { get; set; }

    /// <summary>RequestKind is the fully-qualified type of the original API request, when it differs from Kind after conversion.</summary>
    [JsonPropertyName("requestKind")]
    public V1GroupVersionKind? RequestKind { get; set; }

    /// <summary>RequestResource is the fully-qualified resource of the original API request.</summary>
    [JsonPropertyName("requestResource")]
    public V1GroupVersionResource? RequestResource { get; set; }

    /// <summary>RequestSubResource is the name of the subresource of the original API request, if any.</summary>
    [JsonPropertyName("requestSubResource")]
    public string? RequestSubResource { get; set; }

    /// <summary>Name is the name of the object as presented in the request (empty on CREATE when the name is generated).</summary>
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    /// <summary>Namespace is the namespace associated with the request (if any).</summary>
    [JsonPropertyName("namespace")]
    public string? Namespace { get; set; }

    /// <summary>Operation is the operation being performed: CREATE, UPDATE, DELETE or CONNECT.</summary>
    [JsonPropertyName("operation")]
    public string? Operation { get; set; }

    /// <summary>UserInfo is information about the requesting user.</summary>
    [JsonPropertyName("userInfo")]
    public V1UserInfo? UserInfo { get; set; }

    /// <summary>Object is the object from the incoming request.</summary>
    [JsonPropertyName("object")]
    public JsonNode? Object { get; set; }

    /// <summary>OldObject is the existing object. Only populated for DELETE and UPDATE requests.</summary>
    [JsonPropertyName("oldObject")]
    public JsonNode? OldObject { get; set; }

    /// <summary>DryRun indicates that modifications will definitely not be persisted for this request.</summary>
    [JsonPropertyName("dryRun")]
    public bool? DryRun { get; set; }

    /// <summary>Options is the operation option structure of the operation being performed (for example, meta.k8s.io/v1 CreateOptions).</summary>
    [JsonPropertyName("options")]
    public JsonNode? Options { get; set; }
}
