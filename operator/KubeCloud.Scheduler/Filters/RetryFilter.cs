using KubeCloud.Scheduler.Hosts;
using KubeCloud.Scheduler.Requests;

namespace KubeCloud.Scheduler.Filters;

/// <summary>nova's RetryFilter: the host is not one a build of this server already failed on (status.triedNodes).</summary>
public sealed class RetryFilter : IHostFilter
{
    public const string FilterName = "RetryFilter";
    public const string Reason = "a build of this server already failed on the host";

    public string Name => FilterName;

    public IHostFilter? ForRequest(ScheduleRequest request) => request.TriedNodes.Count == 0 ? null : this;

    public FilterResult HostPasses(HostState host, ScheduleRequest request) =>
        request.TriedNodes.Contains(host.Name) ? FilterResult.Fail(Reason) : FilterResult.Pass;

    public int FilterHosts(HostTable hosts, ReadOnlySpan<int> input, Span<int> output, ScheduleRequest request) =>
        request.TriedNodes.Count == 0 ? HostSelection.All(input, output) : hosts.SelectNamed(request.TriedNodes, keep: false, input, output);
}
