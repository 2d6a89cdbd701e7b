using KubeCloud.Api.V1Alpha1;
using KubeCloud.Scheduler.Hosts;
using KubeCloud.Scheduler.Requests;

namespace KubeCloud.Scheduler.Weighers;

/// <summary>The soft group weighers' batch form: members per host, looked up once per member node, not once per host.</summary>
internal static class GroupMembers
{
    public static void Weigh(HostTable hosts, ReadOnlySpan<int> indexes, Span<double> raw, ScheduleRequest request, ServerGroupPolicy policy, int sign)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        raw[..indexes.Length].Clear();
        if (request.GroupPolicy != policy)
        {
            return;
        }

        if (hosts.HasDuplicateNames)
        {
            for (var k = 0; k < indexes.Length; k++)
            {
                raw[k] = sign * request.GroupMembersPerNode.GetValueOrDefault(hosts[indexes[k]].Name);
            }

            return;
        }

        foreach (var (node, members) in request.GroupMembersPerNode)
        {
            // The indexes are ascending: find the member node's position among them.
            var at = indexes.BinarySearch(hosts.IndexOf(node));
            if (at >= 0)
            {
                raw[at] = sign * members;
            }
        }
    }
}
