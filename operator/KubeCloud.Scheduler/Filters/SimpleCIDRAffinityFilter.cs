using System.Buffers.Binary;
using System.Net.Sockets;
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

    public int FilterHosts(HostTable hosts, ReadOnlySpan<int> input, Span<int> output, ScheduleRequest request)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        if (request.BuildNearNetwork is not { } network)
        {
            return HostSelection.All(input, output);
        }

        var kept = 0;
        if (network.BaseAddress.AddressFamily != AddressFamily.InterNetwork)
        {
            foreach (var i in input)
            {
                if (HostPasses(hosts[i], request).Passed)
                {
                    output[kept++] = i;
                }
            }

            return kept;
        }

        // IPv4: compare the masked address as a number; hosts with another family go through the predicate.
        var prefix = network.PrefixLength;
        var mask = prefix == 0 ? 0u : uint.MaxValue << (32 - prefix);
        var baseAddress = BinaryPrimitives.ReadUInt32BigEndian(network.BaseAddress.GetAddressBytes()) & mask;
        var kinds = hosts.TunnelIPKind;
        var addresses = hosts.TunnelIPv4;
        foreach (var i in input)
        {
            var kind = kinds[i];
            if (kind == HostTable.IPv4 ? (addresses[i] & mask) == baseAddress : kind == HostTable.OtherIP && HostPasses(hosts[i], request).Passed)
            {
                output[kept++] = i;
            }
        }

        return kept;
    }
}
