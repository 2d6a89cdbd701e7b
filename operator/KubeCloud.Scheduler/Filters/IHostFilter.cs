using KubeCloud.Scheduler.Hosts;
using KubeCloud.Scheduler.Requests;

namespace KubeCloud.Scheduler.Filters;

/// <summary>
/// A scheduler filter (nova's BaseHostFilter): one pure predicate that says whether a host can take
/// the request, and why not.
/// </summary>
public interface IHostFilter
{
    /// <summary>The filter's name, as nova spells it and as enabledFilters lists it.</summary>
    string Name { get; }

    /// <summary>
    /// Once per request, before any host: the filter to run for this request, or null when it cannot
    /// remove any host (no hint, no group, no query), so the pipeline skips the loop. A filter that
    /// needs per-request state returns a variant bound to it.
    /// </summary>
    IHostFilter? ForRequest(ScheduleRequest request) => this;

    /// <summary>Whether the host passes; on failure the result carries a reason a user can read.</summary>
    FilterResult HostPasses(HostState host, ScheduleRequest request);

    /// <summary>
    /// <see cref="HostPasses"/> over many hosts, as the pipeline runs it: writes the hosts of
    /// <paramref name="input"/> (indexes into <paramref name="hosts"/>, ascending) that pass to
    /// <paramref name="output"/>, in order, and returns how many. One call per request instead of
    /// one per host; a filter overrides it to read the table's columns, and must agree with
    /// <see cref="HostPasses"/> on every host. The default asks <see cref="HostPasses"/> host by host.
    /// </summary>
    int FilterHosts(HostTable hosts, ReadOnlySpan<int> input, Span<int> output, ScheduleRequest request)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        var n = 0;
        foreach (var i in input)
        {
            if (HostPasses(hosts[i], request).Passed)
            {
                output[n++] = i;
            }
        }

        return n;
    }
}

/// <summary>A filter's verdict on one host.</summary>
public readonly record struct FilterResult(bool Passed, string? Reason)
{
    /// <summary>The host passes.</summary>
    public static FilterResult Pass => new(true, null);

    /// <summary>The host fails for <paramref name="reason"/>.</summary>
    public static FilterResult Fail(string reason) => new(false, reason);
}
