using k8s.Models;

namespace KubeCloud.ApiServer.Auth;

/// <summary>
/// A policy rule compiled for matching, with kube-apiserver's RuleAllows semantics: verbs,
/// API groups, resources (<c>resource/subresource</c>, <c>*</c>, <c>*/subresource</c>),
/// resourceNames (a rule with names never matches a request without a name) and
/// nonResourceURLs (exact, <c>*</c>, or a prefix ending in <c>*</c>).
/// </summary>
public sealed class PolicyRuleMatch
{
    private readonly string[] verbs;
    private readonly string[] apiGroups;
    private readonly string[] resources;
    private readonly string[] resourceNames;
    private readonly string[] nonResourceUrls;

    public PolicyRuleMatch(V1PolicyRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        Rule = rule;
        verbs = [.. rule.Verbs ?? []];
        apiGroups = [.. rule.ApiGroups ?? []];
        resources = [.. rule.Resources ?? []];
        resourceNames = [.. rule.ResourceNames ?? []];
        nonResourceUrls = [.. rule.NonResourceURLs ?? []];
    }

    /// <summary>The rule as written.</summary>
    public V1PolicyRule Rule { get; }

    /// <summary>Whether the rule allows the request.</summary>
    public bool Allows(RequestAttributes request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!VerbMatches(request.Verb))
        {
            return false;
        }

        if (!request.IsResourceRequest)
        {
            return NonResourceUrlMatches(request.Path);
        }

        return ApiGroupMatches(request.ApiGroup)
            && ResourceMatches(request.Resource, request.Subresource)
            && ResourceNameMatches(request.Name);
    }

    public bool VerbMatches(string verb) => ContainsOrAll(verbs, verb);

    public bool ApiGroupMatches(string group) => ContainsOrAll(apiGroups, group);

    public bool ResourceMatches(string resource, string subresource)
    {
        foreach (var ruleResource in resources)
        {
            if (ruleResource == RbacResources.All)
            {
                return true;
            }

            if (subresource.Length == 0)
            {
                if (ruleResource == resource)
                {
                    return true;
                }

                continue;
            }

            // "resource/subresource" exactly, or "*/subresource".
            var slash = ruleResource.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0 || ruleResource.AsSpan(slash + 1).SequenceEqual(subresource) is false)
            {
                continue;
            }

            var head = ruleResource.AsSpan(0, slash);
            if (head.SequenceEqual(RbacResources.All) || head.SequenceEqual(resource))
            {
                return true;
            }
        }

        return false;
    }

    public bool ResourceNameMatches(string name)
    {
        if (resourceNames.Length == 0)
        {
            return true;
        }

        foreach (var ruleName in resourceNames)
        {
            if (ruleName == name)
            {
                return true;
            }
        }

        return false;
    }

    public bool NonResourceUrlMatches(string path)
    {
        foreach (var url in nonResourceUrls)
        {
            if (url == RbacResources.All || url == path)
            {
                return true;
            }

            if (url.EndsWith('*') && path.StartsWith(url.AsSpan().TrimEnd('*'), StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static bool ContainsOrAll(string[] items, string requested)
    {
        foreach (var item in items)
        {
            if (item == RbacResources.All || item == requested)
            {
                return true;
            }
        }

        return false;
    }
}
