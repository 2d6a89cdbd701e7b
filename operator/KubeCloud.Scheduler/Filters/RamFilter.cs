using KubeCloud.Scheduler.Hosts;
using KubeCloud.Scheduler.Requests;

namespace KubeCloud.Scheduler.Filters;

/// <summary>
/// nova's RamFilter with AggregateRamFilter's per-host ratio (here from Hypervisor.spec): used plus
/// requested memory fits in (total - reserved) * ram allocation ratio.
/// </summary>
public sealed class RamFilter : IHostFilter
{
    public const string FilterName = "RamFilter";
    public const string Reason = "insufficient usable RAM";

    public string Name => FilterName;

    public FilterResult HostPasses(HostState host, ScheduleRequest request) =>
        host.UsedMemoryMb + request.Resources.MemoryMb <= host.MemoryLimitMb ? FilterResult.Pass : FilterResult.Fail(Reason);

    public int FilterHosts(HostTable hosts, ReadOnlySpan<int> input, Span<int> output, ScheduleRequest request) =>
        HostSelection.AtLeast(hosts.MemoryRoomMb, request.Resources.MemoryMb, input, output);
}
