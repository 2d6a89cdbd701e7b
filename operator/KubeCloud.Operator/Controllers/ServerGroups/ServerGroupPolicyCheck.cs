using KubeCloud.Api.V1Alpha1;

namespace KubeCloud.Operator.Controllers.ServerGroups;

/// <summary>A broken server group policy: the reason (for the condition) and which members on which nodes break it.</summary>
public sealed record PolicyViolation(string Reason, string Message);

/// <summary>
/// The checks of a server group's policy that need the placed members (the scheduler enforces the policy when it
/// places a server; a forced placement or a migration can still break it): anti-affinity with more members on one node
/// than <c>rules.maxServerPerHost</c> (default 1), affinity with members on more than one node. The soft policies are
/// preferences and are never violated.
/// </summary>
public static class ServerGroupPolicyCheck
{
    public const string AntiAffinityViolated = "AntiAffinityViolated";
    public const string AffinityViolated = "AffinityViolated";

    public static PolicyViolation? Check(ServerGroupSpec spec, IEnumerable<Server> members)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(members);
        var byNode = members
            .Where(m => !string.IsNullOrEmpty(m.Status?.Node))
            .GroupBy(m => m.Status!.Node!, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToList();
        switch (spec.Policy)
        {
            case ServerGroupPolicy.AntiAffinity:
                var max = spec.Rules?.MaxServerPerHost ?? 1;
                var crowded = byNode.Where(g => g.Count() > max).ToList();
                return crowded.Count == 0
                    ? null
                    : new PolicyViolation(AntiAffinityViolated, $"anti-affinity allows {max} member(s) per node: {string.Join("; ", crowded.Select(g => $"{Names(g)} share node {g.Key}"))}");
            case ServerGroupPolicy.Affinity:
                return byNode.Count <= 1
                    ? null
                    : new PolicyViolation(AffinityViolated, $"affinity wants every member on one node: {string.Join("; ", byNode.Select(g => $"{Names(g)} on {g.Key}"))}");
            default:
                return null;
        }
    }

    private static string Names(IEnumerable<Server> servers) => string.Join(", ", servers.Select(s => s.Metadata.Name).Order(StringComparer.Ordinal));
}
