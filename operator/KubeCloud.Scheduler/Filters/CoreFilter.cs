using KubeCloud.Scheduler.Hosts;
using KubeCloud.Scheduler.Requests;

namespace KubeCloud.Scheduler.Filters;

/// <summary>
/// nova's CoreFilter with AggregateCoreFilter's per-host ratio: used plus requested vCPUs fit in
/// (total - reserved) * cpu allocation ratio.
/// </summary>
public sealed class CoreFilter : IHostFilter
{
    public const string FilterName = "CoreFilter";
    public const string Reason = "insufficient vCPUs";

    public string Name => FilterName;

    public FilterResult HostPasses(HostState host, ScheduleRequest request) =>
        host.UsedVcpus + (long)request.Resources.Vcpus <= host.VcpuLimit ? FilterResult.Pass : FilterResult.Fail(Reason);

    public int FilterHosts(HostTable hosts, ReadOnlySpan<int> input, Span<int> output, ScheduleRequest request) =>
        HostSelection.AtLeast(hosts.VcpuRoom, request.Resources.Vcpus, input, output);
}
