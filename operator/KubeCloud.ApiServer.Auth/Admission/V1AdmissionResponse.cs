// Hand-written: admission.k8s.io/v1 is not in the OpenAPI document, so KubernetesClient's k8s.Models lack it.
using System.Text.Json.Serialization;
using k8s.Models;

namespace KubeCloud.ApiServer.Auth;

/// <summary>AdmissionResponse describes an admission response.</summary>
public sealed partial class V1AdmissionResponse
{
    /// <summary>The patch type of a JSON patch, the only one admission webhooks may return.</summary>
    public const string JsonPatchType = "JSONPatch";

    /// <summary>UID is an identifier for the individual request/response. It must be copied over from the request.</summary>
    [JsonPropertyName("uid")]
    public string? Uid { get; set; }

    /// <summary>Allowed indicates whether or not the admission request was permitted.</summary>
    [JsonPropertyName("allowed")]
    public bool Allowed { get; set; }

    /// <summary>Result contains extra details into why an admission request was denied.</summary>
    [JsonPropertyName("status")]
    public V1Status? Status { get; set; }

    /// <summary>The patch body, a JSON patch (RFC 6902); base64 on the wire.</summary>
    [JsonPropertyName("patch")]
    public byte[]? Patch { get; set; }

    /// <summary>The type of Patch. Currently only "JSONPatch" is allowed.</summary>
    [JsonPropertyName("patchType")]
    public string? PatchType { get; set; }

    /// <summary>AuditAnnotations is an unstructured key value map set by a remote admission controller.</summary>
    [JsonPropertyName("auditAnnotations")]
    public Dictionary<string, string>? AuditAnnotations { get; set; }

    /// <summary>Warnings is a list of warning messages to return to the requesting API client.</summary>
    [JsonPropertyName("warnings")]
    public List<string>? Warnings { get; set; }
}
