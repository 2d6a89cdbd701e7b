using KubeCloud.Scheduler.Hosts;
using KubeCloud.Scheduler.Requests;

namespace KubeCloud.Scheduler.Filters;

/// <summary>nova's DifferentHostFilter: the host runs none of the servers the differentHost hint names.</summary>
public sealed class DifferentHostFilter : IHostFilter
{
    public const string FilterName = "DifferentHostFilter";
    public const string Reason = "host runs a server named in the differentHost hint";

    public string Name => FilterName;

    public IHostFilter? ForRequest(ScheduleRequest request) => request.DifferentHostNodes is { Count: > 0 } ? this : null;

    public FilterResult HostPasses(HostState host, ScheduleRequest request) =>
        request.DifferentHostNodes is { } nodes && nodes.Contains(host.Name) ? FilterResult.Fail(Reason) : FilterResult.Pass;

    public int FilterHosts(HostTable hosts, ReadOnlySpan<int> input, Span<int> output, ScheduleRequest request) =>
        request.DifferentHostNodes is { } nodes ? hosts.SelectNamed(nodes, keep: false, input, output) : HostSelection.All(input, output);
}
