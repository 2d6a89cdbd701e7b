using KubeCloud.Scheduler.Hosts;
using KubeCloud.Scheduler.Requests;

namespace KubeCloud.Scheduler.Filters;

/// <summary>
/// nova's SimpleCIDRAffinityFilter: the host's tunnel IP is in the network buildNearHostIP/cidr
/// (cidr defaults to 24).
/// </summary>
public sealed class SimpleCIDRAffinityFilter : IHostFilter
{
    public const string FilterName = "SimpleCIDRAffinityFilter";
    public const string Reason = "host IP is not in the network of the buildNearHostIP hint";

    public string Name => FilterName;

    public IHostFilter? ForRequest(ScheduleRequest request) => request.BuildNearNetwork is null ? null : this;

    public FilterResult HostPasses(HostState host, ScheduleRequest request)
    {
        if (request.BuildNearNetwork is not { } network)
        {
            return FilterResult.Pass;
        }

        return host.TunnelIP is { } ip && network.Contains(ip) ? FilterResult.Pass : FilterResult.Fail(Reason);
    }
}
