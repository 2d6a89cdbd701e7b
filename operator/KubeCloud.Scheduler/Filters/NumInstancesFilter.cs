using KubeCloud.Scheduler.Hosts;
using KubeCloud.Scheduler.Requests;

namespace KubeCloud.Scheduler.Filters;

/// <summary>
/// nova's NumInstancesFilter (with AggregateNumInstancesFilter's per-host limit from Hypervisor.spec):
/// the host runs fewer servers than maxInstances.
/// </summary>
public sealed class NumInstancesFilter : IHostFilter
{
    public const string FilterName = "NumInstancesFilter";
    public const string Reason = "host already runs the most servers allowed";

    public string Name => FilterName;

    public FilterResult HostPasses(HostState host, ScheduleRequest request) =>
        host.NumInstances < host.MaxInstances ? FilterResult.Pass : FilterResult.Fail(Reason);

    public int FilterHosts(HostTable hosts, ReadOnlySpan<int> input, Span<int> output, ScheduleRequest request) =>
        HostSelection.AtLeast(hosts.InstanceRoom, 1, input, output);
}
