using KubeCloud.Api.V1Alpha1;
using KubeCloud.Scheduler.Hosts;
using KubeCloud.Scheduler.Requests;

namespace KubeCloud.Scheduler.Filters;

/// <summary>
/// nova's ServerGroupAntiAffinityFilter: with the anti-affinity policy, the host runs fewer than
/// rules.maxServerPerHost (default 1) members of the group.
/// </summary>
public sealed class ServerGroupAntiAffinityFilter : IHostFilter
{
    public const string FilterName = "ServerGroupAntiAffinityFilter";
    public const string Reason = "host already runs the most members of the server group that anti-affinity allows";

    public string Name => FilterName;

    public IHostFilter? ForRequest(ScheduleRequest request) =>
        request.GroupPolicy == ServerGroupPolicy.AntiAffinity && request.GroupMembersPerNode.Count > 0 ? this : null;

    public FilterResult HostPasses(HostState host, ScheduleRequest request)
    {
        if (request.GroupPolicy != ServerGroupPolicy.AntiAffinity
            || !request.GroupMembersPerNode.TryGetValue(host.Name, out var members))
        {
            return FilterResult.Pass;
        }

        return members < request.MaxServerPerHost ? FilterResult.Pass : FilterResult.Fail(Reason);
    }

    public int FilterHosts(HostTable hosts, ReadOnlySpan<int> input, Span<int> output, ScheduleRequest request)
    {
        if (request.GroupPolicy != ServerGroupPolicy.AntiAffinity)
        {
            return HostSelection.All(input, output);
        }

        var full = request.GroupMembersPerNode.Where(p => p.Value >= request.MaxServerPerHost).Select(p => p.Key);
        return hosts.SelectNamed(full, keep: false, input, output);
    }
}
