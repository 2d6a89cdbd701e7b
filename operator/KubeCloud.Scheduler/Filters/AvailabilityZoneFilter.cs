using KubeCloud.Scheduler.Hosts;
using KubeCloud.Scheduler.Requests;

namespace KubeCloud.Scheduler.Filters;

/// <summary>nova's AvailabilityZoneFilter: the host is in the zone the server asks for.</summary>
public sealed class AvailabilityZoneFilter : IHostFilter
{
    public const string FilterName = "AvailabilityZoneFilter";
    public const string Reason = "host is not in the requested availability zone";

    public string Name => FilterName;

    public IHostFilter? ForRequest(ScheduleRequest request) => request.AvailabilityZone is null ? null : this;

    public FilterResult HostPasses(HostState host, ScheduleRequest request) =>
        request.AvailabilityZone is null || string.Equals(host.Zone, request.AvailabilityZone, StringComparison.Ordinal)
            ? FilterResult.Pass
            : FilterResult.Fail(Reason);

    public int FilterHosts(HostTable hosts, ReadOnlySpan<int> input, Span<int> output, ScheduleRequest request)
    {
        if (request.AvailabilityZone is not { } zone)
        {
            return HostSelection.All(input, output);
        }

        var id = hosts.ZoneId(zone);
        if (id < 0)
        {
            return 0;
        }

        var zones = hosts.Zone;
        var n = 0;
        foreach (var i in input)
        {
            if (zones[i] == id)
            {
                output[n++] = i;
            }
        }

        return n;
    }
}
