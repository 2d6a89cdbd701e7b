// admission.k8s.io/v1 is not in the OpenAPI document, so KubernetesClient's k8s.Models lack it: the fields the webhook
// reads and writes, named as k8s.io/api/admission/v1/types.go names them.
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using k8s.Models;

namespace KubeCloud.Operator.Webhook;

/// <summary>The body an API server POSTs to an admission webhook, and the body the webhook answers with.</summary>
public sealed class AdmissionReview
{
    public const string ApiVersionV1 = "admission.k8s.io/v1";

    [JsonPropertyName("apiVersion")]
    public string? ApiVersion { get; set; }

    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    [JsonPropertyName("request")]
    public AdmissionReviewRequest? Request { get; set; }

    [JsonPropertyName("response")]
    public AdmissionReviewResponse? Response { get; set; }
}

/// <summary>The request part of an <see cref="AdmissionReview"/>: what is being done to which object, by whom.</summary>
public sealed class AdmissionReviewRequest
{
    [JsonPropertyName("uid")]
    public string? Uid { get; set; }

    [JsonPropertyName("kind")]
    public GroupVersionKind? Kind { get; set; }

    [JsonPropertyName("subResource")]
    public string? SubResource { get; set; }

    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("namespace")]
    public string? Namespace { get; set; }

    /// <summary>CREATE, UPDATE, DELETE or CONNECT.</summary>
    [JsonPropertyName("operation")]
    public string? Operation { get; set; }

    [JsonPropertyName("userInfo")]
    public V1UserInfo? UserInfo { get; set; }

    [JsonPropertyName("object")]
    public JsonNode? Object { get; set; }

    [JsonPropertyName("oldObject")]
    public JsonNode? OldObject { get; set; }

    [JsonPropertyName("dryRun")]
    public bool? DryRun { get; set; }
}

/// <summary>The response part of an <see cref="AdmissionReview"/>.</summary>
public sealed class AdmissionReviewResponse
{
    /// <summary>Copied from the request.</summary>
    [JsonPropertyName("uid")]
    public string? Uid { get; set; }

    [JsonPropertyName("allowed")]
    public bool Allowed { get; set; }

    /// <summary>Why the request was refused (a metav1.Status; the API server answers its client with it).</summary>
    [JsonPropertyName("status")]
    public AdmissionStatus? Status { get; set; }
}

/// <summary>
/// The metav1.Status of a refusal, with one cause per refused field (kube's <c>details.causes</c>: field, reason = the
/// rule, message). Written by hand because the package's <c>V1Status</c> converter cannot write.
/// </summary>
public sealed class AdmissionStatus
{
    [JsonPropertyName("status")]
    public string Status { get; set; } = "Failure";

    [JsonPropertyName("message")]
    public string? Message { get; set; }

    /// <summary>Forbidden, Invalid or ServiceUnavailable.</summary>
    [JsonPropertyName("reason")]
    public string? Reason { get; set; }

    [JsonPropertyName("code")]
    public int Code { get; set; }

    [JsonPropertyName("details")]
    public AdmissionStatusDetails? Details { get; set; }
}

/// <summary>metav1.StatusDetails: the object and the causes.</summary>
public sealed class AdmissionStatusDetails
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("group")]
    public string? Group { get; set; }

    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    [JsonPropertyName("causes")]
    public List<AdmissionStatusCause>? Causes { get; set; }
}

/// <summary>metav1.StatusCause: <c>reason</c> is the rule (<see cref="FieldError.Rule"/>), <c>field</c> its path.</summary>
public sealed record AdmissionStatusCause(
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("field")] string Field);

/// <summary>metav1.GroupVersionKind as admission requests carry it.</summary>
public sealed record GroupVersionKind(
    [property: JsonPropertyName("group")] string? Group,
    [property: JsonPropertyName("version")] string? Version,
    [property: JsonPropertyName("kind")] string? Kind);
