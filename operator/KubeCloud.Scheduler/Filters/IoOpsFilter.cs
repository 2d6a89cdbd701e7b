using KubeCloud.Scheduler.Hosts;
using KubeCloud.Scheduler.Requests;

namespace KubeCloud.Scheduler.Filters;

/// <summary>
/// nova's IoOpsFilter (with AggregateIoOpsFilter's per-host limit): the host has fewer builds,
/// resizes and snapshots in flight than maxIoOps.
/// </summary>
public sealed class IoOpsFilter : IHostFilter
{
    public const string FilterName = "IoOpsFilter";
    public const string Reason = "host has too many I/O-heavy operations in flight";

    public string Name => FilterName;

    public FilterResult HostPasses(HostState host, ScheduleRequest request) =>
        host.NumIoOps < host.MaxIoOps ? FilterResult.Pass : FilterResult.Fail(Reason);

    public int FilterHosts(HostTable hosts, ReadOnlySpan<int> input, Span<int> output, ScheduleRequest request) =>
        HostSelection.AtLeast(hosts.IoOpsRoom, 1, input, output);
}
