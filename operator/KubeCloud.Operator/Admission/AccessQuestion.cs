using KubeCloud.Api.V1Alpha1;

namespace KubeCloud.Operator.Admission;

/// <summary>
/// A SubjectAccessReview's resourceAttributes: may the caller do <see cref="Verb"/> on the
/// resource (group kubecloud.io) in the namespace (null for cluster-scoped kinds)?
/// </summary>
public sealed record AccessQuestion(string Verb, string Resource, string? Namespace, string? Name, string? Subresource = null)
{
    /// <summary>The API group every KubeCloud resource is in.</summary>
    public const string Group = ApiGroup.Name;

    /// <summary><c>use networks/net-a in project-b</c>, for messages.</summary>
    public override string ToString() =>
        $"{Verb} {Resource}{(Subresource is null ? string.Empty : "/" + Subresource)}{(Name is null ? string.Empty : " " + Name)}{(Namespace is null ? string.Empty : " in " + Namespace)}";
}

/// <summary>The verbs and virtual subresources KubeCloud's field-level rules ask about (DESIGN.md, section 1).</summary>
public static class AccessRules
{
    /// <summary>Using a network or image of another namespace, or a private flavor.</summary>
    public const string Use = "use";

    /// <summary>Setting an admin-only field: the verb on a virtual subresource.</summary>
    public const string Create = "create";

    /// <summary><c>servers/forcenode</c>: nova's os_compute_api:servers:create:forced_host.</summary>
    public const string ForceNode = "forcenode";

    /// <summary><c>networks/provider</c>: Neutron's provider network attributes (providerType, physicalNetwork, segmentationId, external).</summary>
    public const string Provider = "provider";

    /// <summary><c>networks/shared</c>: Neutron's create_network:shared.</summary>
    public const string Shared = "shared";

    /// <summary><c>images/publicize</c>: Glance's publicize_image.</summary>
    public const string Publicize = "publicize";
}

/// <summary>
/// Answers SubjectAccessReview-style questions. The operator's implementation creates a
/// SubjectAccessReview for the caller; tests answer from a table.
/// </summary>
public interface IAccessAuthorizer
{
    ValueTask<bool> IsAllowedAsync(AdmissionCaller caller, AccessQuestion question, CancellationToken cancellationToken);
}
