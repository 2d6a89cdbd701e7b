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

    public int FilterHosts(HostTable hosts, ReadOnlySpan<int> input, Span<int> output, ScheduleRequest request)
    {
        ArgumentNullException.ThrowIfNull(hosts);

        // Decide once per distinct allow list, then read one number per host.
        var lists = hosts.TenantAllowLists;
        Span<bool> allowed = lists.Count <= 256 ? stackalloc bool[lists.Count] : new bool[lists.Count];
        for (var l = 0; l < lists.Count; l++)
        {
            allowed[l] = lists[l].Contains(request.Namespace);
        }

        var restriction = hosts.TenantAllowList;
        var n = 0;
        foreach (var i in input)
        {
            var list = restriction[i];
            if (list < 0 || allowed[list])
            {
                output[n++] = i;
            }
        }

        return n;
    }
}
