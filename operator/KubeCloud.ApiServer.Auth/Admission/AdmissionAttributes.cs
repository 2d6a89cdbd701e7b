using System.Net;
using System.Text.Json.Nodes;
using k8s.Models;

namespace KubeCloud.ApiServer.Auth;

/// <summary>A group, version and resource, e.g. ("kubecloud.io", "v1alpha1", "servers").</summary>
public sealed record GroupVersionResource(string Group, string Version, string Resource);

/// <summary>A group, version and kind, e.g. ("kubecloud.io", "v1alpha1", "Server").</summary>
public sealed record GroupVersionKind(string Group, string Version, string Kind);

/// <summary>Admission operations, as admission.k8s.io/v1 spells them.</summary>
public static class AdmissionOperation
{
    public const string Create = "CREATE";
    public const string Update = "UPDATE";
    public const string Delete = "DELETE";
    public const string Connect = "CONNECT";
}

/// <summary>
/// One request to admit, as kube-apiserver's admission.Attributes. For a Namespace object, set
/// <see cref="Namespace"/> to the namespace's own name, as kube-apiserver does. <see cref="Object"/>
/// is the new object (null on DELETE; the connect options on CONNECT), <see cref="OldObject"/> the
/// stored one on UPDATE and DELETE. <see cref="Options"/> is the CreateOptions, UpdateOptions or
/// DeleteOptions object the request carried.
/// </summary>
public sealed record AdmissionAttributes(
    string Operation,
    GroupVersionResource Resource,
    GroupVersionKind Kind,
    string Namespace,
    string Name,
    UserInfo User,
    JsonObject? Object = null,
    JsonObject? OldObject = null,
    string Subresource = "",
    bool DryRun = false,
    JsonObject? Options = null);

/// <summary>
/// The answer of admission: allowed with the (possibly patched) object and the warnings for
/// <c>Warning:</c> headers, or refused with the Status to answer with.
/// </summary>
public sealed record AdmissionOutcome(
    bool Allowed,
    JsonObject? Object,
    IReadOnlyList<string> Warnings,
    V1Status? Status,
    IReadOnlyDictionary<string, string> AuditAnnotations)
{
    /// <summary>The HTTP status code to refuse with (from <see cref="Status"/>), or 200.</summary>
    public int Code => Status?.Code ?? (int)HttpStatusCode.OK;
}

/// <summary>Where to connect for a webhook's <c>clientConfig.service</c>, since the local server has no Service network; null when unknown.</summary>
public delegate EndPoint? WebhookServiceResolver(string @namespace, string name, int port);

/// <summary>Options of the <see cref="AdmissionWebhookDispatcher"/>.</summary>
public sealed class AdmissionWebhookOptions
{
    /// <summary>
    /// Resolves <c>clientConfig.service</c>. The request still goes to
    /// <c>https://&lt;name&gt;.&lt;namespace&gt;.svc:&lt;port&gt;&lt;path&gt;</c> and the serving certificate must be valid for
    /// that name (as in a real cluster); only the TCP connection goes to the resolved endpoint.
    /// Without a resolver, service webhooks fail to call (and their failurePolicy applies).
    /// </summary>
    public WebhookServiceResolver? ResolveService { get; init; }

    /// <summary>Creates request UIDs; a fresh GUID per call by default.</summary>
    public Func<string> NewUid { get; init; } = () => Guid.NewGuid().ToString();
}
