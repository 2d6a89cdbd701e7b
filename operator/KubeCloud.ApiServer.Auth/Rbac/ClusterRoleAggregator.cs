using System.Text.Json.Nodes;
using k8s.Models;

namespace KubeCloud.ApiServer.Auth;

/// <summary>
/// kube-controller-manager's clusterrole-aggregation controller as a function: for every
/// ClusterRole with <c>aggregationRule.clusterRoleSelectors</c>, its rules become the union of the
/// rules of the other ClusterRoles its selectors match (selectors in order, matched roles by name,
/// duplicate rules dropped). Aggregated roles may select other aggregated roles (admin selects
/// edit, edit selects view); this runs to a fixed point, which the controller reaches over
/// several passes.
/// </summary>
public sealed class ClusterRoleAggregator
{
    private readonly IClusterObjectSource source;

    public ClusterRoleAggregator(IClusterObjectSource source)
    {
        this.source = source ?? throw new ArgumentNullException(nameof(source));
    }

    /// <summary>
    /// The aggregated ClusterRoles whose stored rules are out of date, as copies with the new
    /// <c>rules</c>, ready for the API server to write back (an update of each).
    /// </summary>
    public IReadOnlyList<JsonObject> Aggregate() => Aggregate(source.List(RbacResources.Group, RbacResources.ClusterRoles));

    /// <summary>The same over a given set of ClusterRoles.</summary>
    public static IReadOnlyList<JsonObject> Aggregate(IReadOnlyList<JsonObject> clusterRoles)
    {
        ArgumentNullException.ThrowIfNull(clusterRoles);
        var roles = clusterRoles
            .Select(json => (Json: json, Role: KubeJson.Deserialize<V1ClusterRole>(json)!))
            .Where(r => r.Role.Metadata?.Name is not null)
            .OrderBy(r => r.Role.Metadata!.Name, StringComparer.Ordinal)
            .ToList();
        var changed = new Dictionary<string, V1ClusterRole>(StringComparer.Ordinal);
        for (var pass = 0; pass <= roles.Count; pass++)
        {
            var any = false;
            foreach (var (_, role) in roles)
            {
                if (role.AggregationRule?.ClusterRoleSelectors is not { } selectors)
                {
                    continue;
                }

                var rules = RulesSelectedBy(role.Metadata!.Name!, selectors, roles.Select(r => r.Role));
                if (!SameRules(rules, role.Rules))
                {
                    role.Rules = rules;
                    changed[role.Metadata.Name!] = role;
                    any = true;
                }
            }

            if (!any)
            {
                break;
            }
        }

        return [.. roles.Where(r => changed.ContainsKey(r.Role.Metadata!.Name!)).Select(r =>
        {
            var copy = (JsonObject)r.Json.DeepClone();
            copy["rules"] = KubeJson.SerializeToNode(r.Role.Rules);
            return copy;
        })];
    }

    private static List<V1PolicyRule> RulesSelectedBy(string name, IList<V1LabelSelector> selectors, IEnumerable<V1ClusterRole> roles)
    {
        var result = new List<V1PolicyRule>();
        var seen = new List<JsonNode?>();
        foreach (var selector in selectors)
        {
            var match = LabelSelector.FromLabelSelector(selector);
            foreach (var other in roles)
            {
                if (other.Metadata!.Name == name || !match.Matches(other.Metadata.Labels))
                {
                    continue;
                }

                foreach (var rule in other.Rules ?? [])
                {
                    var node = KubeJson.SerializeToNode(rule);
                    if (!seen.Any(s => JsonNode.DeepEquals(s, node)))
                    {
                        seen.Add(node);
                        result.Add(rule);
                    }
                }
            }
        }

        return result;
    }

    private static bool SameRules(List<V1PolicyRule> rules, IList<V1PolicyRule>? current) =>
        JsonNode.DeepEquals(KubeJson.SerializeToNode(rules), KubeJson.SerializeToNode(current ?? []));
}
