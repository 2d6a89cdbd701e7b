using KubeCloud.Api.V1Alpha1;
using KubeCloud.Scheduler.Hosts;
using KubeCloud.Scheduler.Requests;

namespace KubeCloud.Scheduler.Weighers;

/// <summary>
/// nova's ServerGroupSoftAntiAffinityWeigher: with soft-anti-affinity, minus the number of group
/// members on the host (nova negates the raw weight, not the multiplier), so fewer members win.
/// </summary>
public sealed class ServerGroupSoftAntiAffinityWeigher(double multiplier) : IHostWeigher
{
    public const string WeigherName = "ServerGroupSoftAntiAffinityWeigher";

    public string Name => WeigherName;

    public string MultiplierKey => "soft_anti_affinity_weight_multiplier";

    public double Multiplier => multiplier;

    public bool AppliesTo(ScheduleRequest request) =>
        request.GroupPolicy == ServerGroupPolicy.SoftAntiAffinity && request.GroupMembersPerNode.Count > 0;

    public double Weigh(HostState host, ScheduleRequest request) =>
        request.GroupPolicy == ServerGroupPolicy.SoftAntiAffinity ? -request.GroupMembersPerNode.GetValueOrDefault(host.Name) : 0;

    public void WeighHosts(HostTable hosts, ReadOnlySpan<int> indexes, Span<double> raw, ScheduleRequest request) =>
        GroupMembers.Weigh(hosts, indexes, raw, request, ServerGroupPolicy.SoftAntiAffinity, sign: -1);
}
