using System.Text.Json.Nodes;

namespace KubeCloud.ApiServer.Auth;

// The contract between the local API server (KubeCloud.ApiServer) and this project.
// The server authenticates requests and turns them into RequestAttributes; this project decides
// (RBAC) and runs admission webhooks. Change it only in agreement with both sides.

/// <summary>An authenticated user, as kube-apiserver's user.Info.</summary>
public sealed record UserInfo(
    string Name,
    string? Uid,
    IReadOnlyList<string> Groups,
    IReadOnlyDictionary<string, IReadOnlyList<string>>? Extra = null)
{
    public const string MastersGroup = "system:masters";
    public const string AuthenticatedGroup = "system:authenticated";
    public const string UnauthenticatedGroup = "system:unauthenticated";
    public const string AnonymousUser = "system:anonymous";
}

/// <summary>
/// What a request asks to do, as kube-apiserver's authorizer.Attributes. Verb is get, list,
/// watch, create, update, patch, delete, deletecollection or any custom verb such as use; for
/// non-resource requests it is the lower-case HTTP method and Path is the URL path.
/// </summary>
public sealed record RequestAttributes(
    UserInfo User,
    string Verb,
    bool IsResourceRequest,
    string Path = "",
    string ApiGroup = "",
    string ApiVersion = "",
    string Resource = "",
    string Subresource = "",
    string Namespace = "",
    string Name = "");

/// <summary>An authorizer's answer.</summary>
public enum AuthorizationDecision
{
    Deny,
    Allow,
    NoOpinion,
}

/// <summary>A decision and the reason a person reads (in SubjectAccessReview status and 403 messages).</summary>
public sealed record AuthorizationResult(AuthorizationDecision Decision, string Reason = "")
{
    public bool Allowed => Decision == AuthorizationDecision.Allow;
}

/// <summary>Decides whether a request may proceed.</summary>
public interface IAuthorizer
{
    AuthorizationResult Authorize(RequestAttributes attributes);
}

/// <summary>
/// Read access to the objects authorization and admission depend on (Roles, ClusterRoles,
/// RoleBindings, ClusterRoleBindings, Namespaces, webhook configurations), as stored JSON.
/// The local API server implements it over its store; tests implement it in memory.
/// </summary>
public interface IClusterObjectSource
{
    /// <summary>Objects of a resource, e.g. ("rbac.authorization.k8s.io", "roles", "demo"); a null namespace lists all namespaces.</summary>
    IReadOnlyList<JsonObject> List(string group, string resource, string? @namespace = null);

    /// <summary>One object, or null.</summary>
    JsonObject? Get(string group, string resource, string? @namespace, string name);
}
