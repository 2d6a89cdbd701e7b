using KubeCloud.Scheduler.Hosts;
using KubeCloud.Scheduler.Requests;

namespace KubeCloud.Scheduler.Filters;

/// <summary>
/// nova's AggregateMultiTenancyIsolation: a host labelled kubecloud.io/filter-tenant-id takes only
/// servers of the namespaces the label lists; other hosts take any.
/// </summary>
public sealed class AggregateMultiTenancyIsolation : IHostFilter
{
    public const string FilterName = "AggregateMultiTenancyIsolation";
    public const string Reason = "host is reserved for other namespaces (kubecloud.io/filter-tenant-id)";

    public string Name => FilterName;

    public FilterResult HostPasses(HostState host, ScheduleRequest request) =>
        host.TenantAllowList is not { } allowed || allowed.Contains(request.Namespace) ? FilterResult.Pass : FilterResult.Fail(Reason);
}
