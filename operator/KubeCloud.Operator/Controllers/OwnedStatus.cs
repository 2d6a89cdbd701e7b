using System.Text.Json.Nodes;
using k8s;
using KubeCloud.Api.V1Alpha1;

namespace KubeCloud.Operator.Controllers;

/// <summary>
/// Whether the status a controller computed differs from the one the cache holds, looking only at the fields the
/// controller owns (README, "Who writes what"), so a reconcile that changes nothing writes nothing.
/// </summary>
public static class OwnedStatus
{
    /// <summary>
    /// True when a field of <paramref name="ownedFields"/> (JSON names) differs, or a condition of
    /// <paramref name="desired"/> differs from the condition of the same type in <paramref name="current"/>.
    /// </summary>
    public static bool Differs<TStatus>(TStatus? current, TStatus desired, params string[] ownedFields)
        where TStatus : class, IHasConditions
    {
        ArgumentNullException.ThrowIfNull(desired);
        if (current is null)
        {
            return true;
        }

        var live = JsonNode.Parse(KubernetesJson.Serialize(current))!.AsObject();
        var wanted = JsonNode.Parse(KubernetesJson.Serialize(desired))!.AsObject();
        foreach (var field in ownedFields)
        {
            if (!JsonNode.DeepEquals(live[field], wanted[field]))
            {
                return true;
            }
        }

        foreach (var condition in desired.Conditions ?? [])
        {
            var existing = current.Conditions?.Find(c => c.Type == condition.Type);
            if (existing is null || existing.Status != condition.Status || existing.Reason != condition.Reason
                || existing.Message != condition.Message || existing.ObservedGeneration != condition.ObservedGeneration)
            {
                return true;
            }
        }

        return false;
    }
}
