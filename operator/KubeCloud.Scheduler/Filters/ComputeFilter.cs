using KubeCloud.Scheduler.Hosts;
using KubeCloud.Scheduler.Requests;

namespace KubeCloud.Scheduler.Filters;

/// <summary>nova's ComputeFilter: the host is enabled and its node daemon is up.</summary>
public sealed class ComputeFilter : IHostFilter
{
    public const string FilterName = "ComputeFilter";
    public const string DisabledReason = "host is disabled";
    public const string NotReadyReason = "host is not ready (Ready condition not True or heartbeat too old)";

    public string Name => FilterName;

    public FilterResult HostPasses(HostState host, ScheduleRequest request)
    {
        if (host.Disabled)
        {
            return FilterResult.Fail(DisabledReason);
        }

        return host.Ready ? FilterResult.Pass : FilterResult.Fail(NotReadyReason);
    }

    public int FilterHosts(HostTable hosts, ReadOnlySpan<int> input, Span<int> output, ScheduleRequest request) =>
        HostSelection.Equal(hosts.ComputeState, HostTable.Up, input, output);
}
