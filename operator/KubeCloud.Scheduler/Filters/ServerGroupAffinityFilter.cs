using KubeCloud.Api.V1Alpha1;
using KubeCloud.Scheduler.Hosts;
using KubeCloud.Scheduler.Requests;

namespace KubeCloud.Scheduler.Filters;

/// <summary>
/// nova's ServerGroupAffinityFilter: with the affinity policy, the host runs a member of the group,
/// unless no member runs anywhere yet (the first member goes anywhere).
/// </summary>
public sealed class ServerGroupAffinityFilter : IHostFilter
{
    public const string FilterName = "ServerGroupAffinityFilter";
    public const string Reason = "host does not run the server group's members (affinity)";

    public string Name => FilterName;

    public IHostFilter? ForRequest(ScheduleRequest request) =>
        request.GroupPolicy == ServerGroupPolicy.Affinity && request.GroupMembersPerNode.Count > 0 ? this : null;

    public FilterResult HostPasses(HostState host, ScheduleRequest request) =>
        request.GroupPolicy != ServerGroupPolicy.Affinity
        || request.GroupMembersPerNode.Count == 0
        || request.GroupMembersPerNode.ContainsKey(host.Name)
            ? FilterResult.Pass
            : FilterResult.Fail(Reason);

    public int FilterHosts(HostTable hosts, ReadOnlySpan<int> input, Span<int> output, ScheduleRequest request) =>
        request.GroupPolicy != ServerGroupPolicy.Affinity || request.GroupMembersPerNode.Count == 0
            ? HostSelection.All(input, output)
            : hosts.SelectNamed(request.GroupMembersPerNode.Keys, keep: true, input, output);
}
