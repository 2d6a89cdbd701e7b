using KubeCloud.Scheduler.Hosts;
using KubeCloud.Scheduler.Requests;

namespace KubeCloud.Scheduler.Filters;

/// <summary>nova's SameHostFilter: the host runs one of the servers the sameHost hint names.</summary>
public sealed class SameHostFilter : IHostFilter
{
    public const string FilterName = "SameHostFilter";
    public const string Reason = "host does not run any server named in the sameHost hint";

    public string Name => FilterName;

    public IHostFilter? ForRequest(ScheduleRequest request) => request.SameHostNodes is null ? null : this;

    public FilterResult HostPasses(HostState host, ScheduleRequest request) =>
        request.SameHostNodes is not { } nodes || nodes.Contains(host.Name) ? FilterResult.Pass : FilterResult.Fail(Reason);

    public int FilterHosts(HostTable hosts, ReadOnlySpan<int> input, Span<int> output, ScheduleRequest request) =>
        request.SameHostNodes is { } nodes ? hosts.SelectNamed(nodes, keep: true, input, output) : HostSelection.All(input, output);
}
