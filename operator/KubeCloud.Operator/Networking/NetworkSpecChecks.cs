using KubeCloud.Api.V1Alpha1;

namespace KubeCloud.Operator.Networking;

/// <summary>
/// The checks of a Network's subnets that a schema cannot express (Neutron's subnet validation):
/// each a named rule (<see cref="SubnetRules"/>) whose message names the field path. The Network
/// controller reports them in a condition; the admission webhook refuses with them.
/// </summary>
public static class NetworkSpecChecks
{
    /// <summary>Every rule broken by <paramref name="spec"/>; empty when the subnets are valid.</summary>
    public static IReadOnlyList<FieldError> Check(NetworkSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var errors = new List<FieldError>();
        var subnets = spec.Subnets ?? [];
        var parsed = new (int Index, AddressRange Cidr)[subnets.Count];
        var valid = 0;
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < subnets.Count; i++)
        {
            var path = $"spec.subnets[{i}]";
            if (!names.TryAdd(subnets[i].Name, i))
            {
                errors.Add(new FieldError($"{path}.name", SubnetRules.SubnetNameUnique, $"{subnets[i].Name} is already the name of spec.subnets[{names[subnets[i].Name]}]"));
            }

            if (CheckSubnet(subnets[i], path, errors) is { } cidr)
            {
                foreach (var (j, other) in parsed.AsSpan(0, valid))
                {
                    if (cidr.Overlaps(other))
                    {
                        errors.Add(new FieldError($"{path}.cidr", SubnetRules.SubnetsDisjoint, $"{subnets[i].Cidr} overlaps {subnets[j].Cidr} of spec.subnets[{j}]"));
                    }
                }

                parsed[valid++] = (i, cidr);
            }
        }

        return errors;
    }

    /// <summary>The rules of one subnet; returns its CIDR when that much is valid.</summary>
    private static AddressRange? CheckSubnet(Subnet subnet, string path, List<FieldError> errors)
    {
        if (!SubnetAddressing.TryParseCidr(subnet.Cidr, out var cidr, out var prefix, out var cidrError))
        {
            errors.Add(new FieldError($"{path}.cidr", SubnetRules.CidrValid, cidrError));
            return null;
        }

        var reservesEnds = SubnetAddressing.HasNetworkAndBroadcast(cidr.Family, prefix);
        var ipv4 = cidr.Family == System.Net.Sockets.AddressFamily.InterNetwork;
        bool IsNetworkOrBroadcast(UInt128 a) => reservesEnds && (a == cidr.First || (ipv4 && a == cidr.Last));
        string Describe(UInt128 a) => a == cidr.First ? "the network address" : "the broadcast address";

        UInt128? gateway = null;
        if (!string.IsNullOrEmpty(subnet.GatewayIP))
        {
            if (!IPAddressNumber.TryParse(subnet.GatewayIP, out var address) || address.AddressFamily != cidr.Family)
            {
                errors.Add(new FieldError($"{path}.gatewayIP", SubnetRules.GatewayValid, $"{subnet.GatewayIP} is not an {Family(cidr)} address (the cidr is {subnet.Cidr})"));
            }
            else if (!cidr.Contains(address))
            {
                errors.Add(new FieldError($"{path}.gatewayIP", SubnetRules.GatewayInsideCidr, $"{subnet.GatewayIP} is not inside {subnet.Cidr}"));
            }
            else if (IsNetworkOrBroadcast(IPAddressNumber.ToNumber(address)))
            {
                errors.Add(new FieldError($"{path}.gatewayIP", SubnetRules.GatewayNotNetworkOrBroadcast, $"{subnet.GatewayIP} is {Describe(IPAddressNumber.ToNumber(address))} of {subnet.Cidr}"));
            }
            else
            {
                gateway = IPAddressNumber.ToNumber(address);
            }
        }
        else if (reservesEnds && cidr.Count > 2)
        {
            gateway = cidr.First + 1;
        }

        var pools = subnet.AllocationPools ?? [];
        var ranges = new List<(int Index, AddressRange Range)>(pools.Count);
        for (var j = 0; j < pools.Count; j++)
        {
            var poolPath = $"{path}.allocationPools[{j}]";
            var pool = pools[j];
            if (!SubnetAddressing.TryParsePool(pool, out var range) || range.Family != cidr.Family)
            {
                errors.Add(new FieldError(poolPath, SubnetRules.PoolValid, $"{pool.Start}-{pool.End} is not a range of {Family(cidr)} addresses with start not after end"));
                continue;
            }

            if (!cidr.Covers(range))
            {
                errors.Add(new FieldError(poolPath, SubnetRules.PoolInsideCidr, $"{range} is not inside {subnet.Cidr}"));
                continue;
            }

            if (gateway is { } g && range.Contains(g))
            {
                var shown = string.IsNullOrEmpty(subnet.GatewayIP) ? $"the default gateway {IPAddressNumber.FromNumber(g, cidr.Family)} (set gatewayIP to move it)" : $"the gateway {subnet.GatewayIP}";
                errors.Add(new FieldError(poolPath, SubnetRules.PoolClearOfGateway, $"{range} contains {shown}"));
            }

            if (IsNetworkOrBroadcast(range.First) || IsNetworkOrBroadcast(range.Last))
            {
                var end = IsNetworkOrBroadcast(range.First) ? range.First : range.Last;
                errors.Add(new FieldError(poolPath, SubnetRules.PoolClearOfNetworkAndBroadcast, $"{range} contains {Describe(end)} {IPAddressNumber.FromNumber(end, cidr.Family)}"));
            }

            foreach (var (k, other) in ranges)
            {
                if (range.Overlaps(other))
                {
                    errors.Add(new FieldError(poolPath, SubnetRules.PoolsDisjoint, $"{range} overlaps {other} of {path}.allocationPools[{k}]"));
                }
            }

            ranges.Add((j, range));
        }

        var nameservers = subnet.DnsNameservers ?? [];
        for (var j = 0; j < nameservers.Count; j++)
        {
            if (!IPAddressNumber.TryParse(nameservers[j], out _))
            {
                errors.Add(new FieldError($"{path}.dnsNameservers[{j}]", SubnetRules.NameserverValid, $"'{nameservers[j]}' is not an IP address"));
            }
        }

        var routes = subnet.HostRoutes ?? [];
        for (var j = 0; j < routes.Count; j++)
        {
            if (!SubnetAddressing.TryParseCidr(routes[j].Destination, out var destination, out _, out var routeError))
            {
                errors.Add(new FieldError($"{path}.hostRoutes[{j}].destination", SubnetRules.HostRouteValid, routeError));
            }
            else if (!IPAddressNumber.TryParse(routes[j].Nexthop, out var nexthop) || nexthop.AddressFamily != destination.Family)
            {
                errors.Add(new FieldError($"{path}.hostRoutes[{j}].nexthop", SubnetRules.HostRouteValid, $"'{routes[j].Nexthop}' is not an {Family(destination)} address"));
            }
        }

        return cidr;
    }

    private static string Family(AddressRange range) => range.Family == System.Net.Sockets.AddressFamily.InterNetwork ? "IPv4" : "IPv6";
}
