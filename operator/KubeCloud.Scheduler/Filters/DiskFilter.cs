using KubeCloud.Scheduler.Hosts;
using KubeCloud.Scheduler.Requests;

namespace KubeCloud.Scheduler.Filters;

/// <summary>
/// nova's DiskFilter with AggregateDiskFilter's per-host ratio: used plus requested disk (root,
/// ephemeral and swap) fits in (total - reserved) * disk allocation ratio.
/// </summary>
public sealed class DiskFilter : IHostFilter
{
    public const string FilterName = "DiskFilter";
    public const string Reason = "insufficient disk";

    public string Name => FilterName;

    public IHostFilter? ForRequest(ScheduleRequest request) => request.Resources.DiskMb == 0 ? null : this;

    public FilterResult HostPasses(HostState host, ScheduleRequest request) =>
        host.UsedDiskMb + request.Resources.DiskMb <= host.DiskLimitMb ? FilterResult.Pass : FilterResult.Fail(Reason);

    public int FilterHosts(HostTable hosts, ReadOnlySpan<int> input, Span<int> output, ScheduleRequest request) =>
        HostSelection.AtLeast(hosts.DiskRoomMb, request.Resources.DiskMb, input, output);
}
