using KubeCloud.Api.V1Alpha1;
using KubeCloud.Scheduler.Hosts;
using KubeCloud.Scheduler.Requests;

namespace KubeCloud.Scheduler.Weighers;

/// <summary>nova's ServerGroupSoftAffinityWeigher: with soft-affinity, the number of group members on the host.</summary>
public sealed class ServerGroupSoftAffinityWeigher(double multiplier) : IHostWeigher
{
    public const string WeigherName = "ServerGroupSoftAffinityWeigher";

    public string Name => WeigherName;

    public string MultiplierKey => "soft_affinity_weight_multiplier";

    public double Multiplier => multiplier;

    public bool AppliesTo(ScheduleRequest request) =>
        request.GroupPolicy == ServerGroupPolicy.SoftAffinity && request.GroupMembersPerNode.Count > 0;

    public double Weigh(HostState host, ScheduleRequest request) =>
        request.GroupPolicy == ServerGroupPolicy.SoftAffinity ? request.GroupMembersPerNode.GetValueOrDefault(host.Name) : 0;

    public void WeighHosts(HostTable hosts, ReadOnlySpan<int> indexes, Span<double> raw, ScheduleRequest request) =>
        GroupMembers.Weigh(hosts, indexes, raw, request, ServerGroupPolicy.SoftAffinity, sign: 1);
}
