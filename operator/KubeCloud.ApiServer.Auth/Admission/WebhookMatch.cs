using k8s.Models;

namespace KubeCloud.ApiServer.Auth;

/// <summary>
/// Whether a webhook's rules cover a request, as kube-apiserver's webhook rule matcher decides:
/// operations, apiGroups, apiVersions, resources (<c>*</c>, <c>resource/sub</c>, <c>*/sub</c>,
/// <c>resource/*</c>, <c>*/*</c>) and scope. matchPolicy Equivalent (the default) also matches a
/// rule that names the same group and resource at another version; the object is sent as stored,
/// not converted (the local server has one version per resource).
/// </summary>
public static class WebhookMatch
{
    private static readonly HashSet<string> ExemptResources =
    [
        "mutatingwebhookconfigurations", "validatingwebhookconfigurations",
        "validatingadmissionpolicies", "validatingadmissionpolicybindings",
        "mutatingadmissionpolicies", "mutatingadmissionpolicybindings",
    ];

    /// <summary>Webhook and admission-policy configurations are never sent to webhooks, so they cannot lock themselves in.</summary>
    public static bool IsExempt(AdmissionAttributes attributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        return attributes.Resource.Group == "admissionregistration.k8s.io" && ExemptResources.Contains(attributes.Resource.Resource);
    }

    public static bool RulesMatch(IEnumerable<V1RuleWithOperations>? rules, string? matchPolicy, AdmissionAttributes attributes)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        foreach (var rule in rules ?? [])
        {
            if (Matches(rule, attributes, exactVersion: true)
                || (matchPolicy != "Exact" && Matches(rule, attributes, exactVersion: false)))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Matches(V1RuleWithOperations rule, AdmissionAttributes a, bool exactVersion) =>
        ScopeMatches(rule.Scope, a)
        && ExactOrWildcard(rule.Operations, a.Operation)
        && ExactOrWildcard(rule.ApiGroups, a.Resource.Group)
        && (!exactVersion || ExactOrWildcard(rule.ApiVersions, a.Resource.Version))
        && ResourceMatches(rule.Resources, a.Resource.Resource, a.Subresource);

    private static bool ScopeMatches(string? scope, AdmissionAttributes a)
    {
        var isNamespaceObject = a.Resource is { Group: "", Resource: "namespaces" };
        return scope switch
        {
            "Namespaced" => !isNamespaceObject && a.Namespace.Length > 0,
            "Cluster" => isNamespaceObject || a.Namespace.Length == 0,
            _ => true,
        };
    }

    private static bool ExactOrWildcard(IList<string>? items, string requested) =>
        items is not null && items.Any(item => item == "*" || item == requested);

    private static bool ResourceMatches(IList<string>? resources, string resource, string subresource)
    {
        foreach (var item in resources ?? [])
        {
            var slash = item.IndexOf('/', StringComparison.Ordinal);
            var res = slash < 0 ? item : item[..slash];
            var sub = slash < 0 ? "" : item[(slash + 1)..];
            if ((res == "*" || res == resource) && (sub == "*" || sub == subresource))
            {
                return true;
            }
        }

        return false;
    }
}
