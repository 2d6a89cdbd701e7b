using System.Net;
using System.Net.Sockets;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.Node.Networking;

namespace KubeCloud.Node.Mapping;

/// <summary>What the node knows about itself when it wires a network.</summary>
public sealed record NodeNetworkContext
{
    /// <summary>This node's name, as ports' <c>status.node</c> names it.</summary>
    public required string NodeName { get; init; }

    /// <summary>This node's VXLAN tunnel address (the Hypervisor's <c>status.tunnelIP</c>).</summary>
    public IPAddress? TunnelIp { get; init; }

    /// <summary>Tunnel addresses of the other nodes hosting ports on the network.</summary>
    public IReadOnlyList<IPAddress> Peers { get; init; } = [];

    /// <summary>The device VXLAN tunnels are bound to (the node's <c>--tunnel-interface</c>); null lets the route pick it.</summary>
    public string? UnderlayDevice { get; init; }

    /// <summary>The network namespace holding the tunnel IP when it is not the node daemon's (its <c>--tunnel-netns</c>).</summary>
    public string? UnderlayNamespace { get; init; }

    /// <summary>The node's device prefix (its <c>--device-prefix</c>): bridges, VXLAN devices and DHCP namespaces start with it.</summary>
    public string DevicePrefix { get; init; } = DeviceNames.DefaultPrefix;

    /// <summary>DHCP lease time (the API has no field for it; a node setting, as Neutron's dhcp_lease_duration).</summary>
    public TimeSpan DhcpLeaseTime { get; init; } = TimeSpan.FromHours(12);
}

/// <summary>A port of the network that gets no DHCP entry on this node, and why.</summary>
public sealed record SkippedPort(string Port, string Reason);

/// <summary>
/// One network as this node sets it up: the bridge/VXLAN plan, and the DHCP plan (null when the
/// node serves no DHCP on it, with the reason).
/// </summary>
public sealed record NetworkSetup(NetworkPlan Bridge, DhcpPlan? Dhcp)
{
    public string? DhcpSkippedReason { get; init; }

    /// <summary>Ports bound to this node that get no DHCP entry (ports of other nodes are left out silently).</summary>
    public IReadOnlyList<SkippedPort> SkippedPorts { get; init; } = [];
}

/// <summary>
/// Maps the API's Network and Ports to <see cref="NetworkPlan"/> and <see cref="DhcpPlan"/>.
/// DHCP is served for the network's one IPv4 subnet with <c>enableDHCP</c>, and only to the ports
/// bound to this node that have a MAC and a fixed address in it. IPv6 subnets get no DHCP (the
/// node serves DHCPv4 only; their ports get their addresses from cloud-init's static
/// configuration): a network whose DHCP subnets are all IPv6 is set up without DHCP, with the reason.
/// </summary>
public static class NetworkSetupMapper
{
    /// <param name="network">The Network.</param>
    /// <param name="ports">Ports of the network (any node; others are left out).</param>
    /// <param name="node">This node.</param>
    /// <param name="dhcpServerAddress">This node's DHCP server address in the DHCP subnet, allocated by the operator's IPAM; needed when the network has an IPv4 DHCP subnet.</param>
    /// <exception cref="NetworkSetupException">The network cannot be set up as its objects say; the message names the field and the rule.</exception>
    public static NetworkSetup Map(Network network, IEnumerable<Port> ports, NodeNetworkContext node, IPAddress? dhcpServerAddress)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(ports);
        ArgumentNullException.ThrowIfNull(node);
        var name = $"network {network.Metadata.NamespaceProperty}/{network.Metadata.Name}";
        var networkId = ServerDomainMapper.NetworkId(network);
        var mtu = network.Spec.Mtu > 0 ? network.Spec.Mtu : 1450;
        var bridge = BridgePlan(network, node, name, networkId, mtu);

        var (dhcpSubnet, skippedReason) = DhcpSubnet(network);
        if (dhcpSubnet is not { } found)
        {
            return new NetworkSetup(bridge, null) { DhcpSkippedReason = skippedReason };
        }

        var (subnet, cidr) = found;
        var field = $"spec.subnets[{subnet.Name}]";
        var gateway = subnet.GatewayIP is { } g ? ParseAddress(g, $"{name}: {field}.gatewayIP") : Offset(cidr.BaseAddress, 1);
        RequireHostAddress(cidr, gateway, $"{name}: {field}.gatewayIP {gateway}");
        var server = dhcpServerAddress ?? throw new NetworkSetupException($"{name}: node {node.NodeName} has no DHCP server address in subnet {subnet.Name} ({cidr}) yet; the operator's IPAM allocates one", waiting: true);
        RequireHostAddress(cidr, server, $"{name}: DHCP server address {server} of node {node.NodeName}");
        if (server.Equals(gateway))
        {
            throw new NetworkSetupException($"{name}: DHCP server address {server} of node {node.NodeName} is the gateway of subnet {subnet.Name}");
        }

        var (hosts, skipped) = Hosts(network, ports, node, subnet, cidr, server, gateway);
        var dhcp = new DhcpPlan
        {
            NetworkId = networkId,
            Subnet = cidr,
            ServerAddress = server,
            Gateway = gateway,
            DnsServers = [.. (subnet.DnsNameservers ?? []).Select(d => ParseAddress(d, $"{name}: {field}.dnsNameservers")).Where(d => d.AddressFamily == AddressFamily.InterNetwork)],
            Routes = [.. (subnet.HostRoutes ?? []).Select(r => Route(r, $"{name}: {field}.hostRoutes"))],
            Mtu = mtu,
            LeaseTime = node.DhcpLeaseTime,
            Hosts = hosts,
            DevicePrefix = node.DevicePrefix,
        };
        return new NetworkSetup(bridge, dhcp) { SkippedPorts = skipped };
    }

    /// <summary>
    /// The subnet the node serves DHCP on: the network's one IPv4 subnet with <c>enableDHCP</c>; or null with the reason
    /// none is served (no subnet has it, or only IPv6 ones do).
    /// </summary>
    /// <exception cref="NetworkSetupException">A CIDR is malformed, or more than one IPv4 subnet has enableDHCP.</exception>
    public static ((Subnet Subnet, IPNetwork Cidr)? Found, string? SkippedReason) DhcpSubnet(Network network)
    {
        ArgumentNullException.ThrowIfNull(network);
        var name = $"network {network.Metadata.NamespaceProperty}/{network.Metadata.Name}";
        var subnets = (network.Spec.Subnets ?? []).Where(s => s.EnableDHCP).Select(s => (Subnet: s, Cidr: ParseCidr(s, name))).ToList();
        var v4 = subnets.Where(s => s.Cidr.BaseAddress.AddressFamily == AddressFamily.InterNetwork).ToList();
        if (v4.Count == 0)
        {
            return (null, subnets.Count == 0
                ? "no subnet has enableDHCP"
                : $"only IPv6 subnets have enableDHCP ({string.Join(", ", subnets.Select(s => s.Subnet.Name))}); the node serves DHCPv4 only, IPv6 addresses come from cloud-init's static configuration");
        }

        return v4.Count == 1
            ? (v4[0], null)
            : throw new NetworkSetupException($"{name}: spec.subnets: DHCP on more than one IPv4 subnet ({string.Join(", ", v4.Select(s => s.Subnet.Name))}) is not supported yet; set enableDHCP false on all but one");
    }

    /// <summary>The bridge/VXLAN plan alone (no DHCP): what a node needs to plug its guests' taps into the network.</summary>
    /// <exception cref="NetworkSetupException">The network cannot be wired as its objects say (provider type, no VNI yet, no tunnel IP).</exception>
    public static NetworkPlan MapBridge(Network network, NodeNetworkContext node)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(node);
        return BridgePlan(network, node, $"network {network.Metadata.NamespaceProperty}/{network.Metadata.Name}", ServerDomainMapper.NetworkId(network),
            network.Spec.Mtu > 0 ? network.Spec.Mtu : 1450);
    }

    private static NetworkPlan BridgePlan(Network network, NodeNetworkContext node, string name, string networkId, int mtu)
    {
        if (network.Spec.ProviderType != ProviderType.Vxlan)
        {
            throw new NetworkSetupException($"{name}: spec.providerType {network.Spec.ProviderType.ToString().ToLowerInvariant()} is not supported by the node daemon yet (only vxlan)");
        }

        var vni = network.Status?.SegmentationId ?? network.Spec.SegmentationId
            ?? throw new NetworkSetupException($"{name}: no VXLAN segmentation id yet (neither spec.segmentationId nor status.segmentationId is set)", waiting: true);
        var tunnel = node.TunnelIp ?? throw new NetworkSetupException($"{name}: node {node.NodeName} has no tunnel IP for VXLAN {vni}");
        return new NetworkPlan
        {
            NetworkId = networkId,
            Vni = vni,
            LocalTunnelIp = tunnel,
            Peers = [.. node.Peers.Where(p => !p.Equals(tunnel)).Distinct()],
            UnderlayDevice = node.UnderlayDevice,
            UnderlayNamespace = node.UnderlayNamespace,
            DevicePrefix = node.DevicePrefix,
            Mtu = mtu,
        };
    }

    private static (List<DhcpHost> Hosts, List<SkippedPort> Skipped) Hosts(Network network, IEnumerable<Port> ports, NodeNetworkContext node, Subnet subnet, IPNetwork cidr, IPAddress server, IPAddress gateway)
    {
        var hosts = new List<DhcpHost>();
        var skipped = new List<SkippedPort>();
        var taken = new Dictionary<IPAddress, string> { [server] = "the DHCP server", [gateway] = "the gateway" };
        foreach (var port in ports.OrderBy(p => p.Metadata.Name, StringComparer.Ordinal))
        {
            if (port.Status is not { } status || status.Node != node.NodeName || DhcpPort.NodeOf(port) is not null)
            {
                continue; // another node's port, or a DHCP port (its address is the server's, not a client's)
            }

            var portName = $"{port.Metadata.NamespaceProperty}/{port.Metadata.Name}";
            if (!OnNetwork(port, network))
            {
                skipped.Add(new SkippedPort(portName, $"spec.networkRef names {port.Spec.NetworkRef.Namespace ?? port.Metadata.NamespaceProperty}/{port.Spec.NetworkRef.Name}, not this network"));
                continue;
            }

            if (ServerDomainMapper.TryMacAddress(port) is not { } mac)
            {
                skipped.Add(new SkippedPort(portName, "no MAC address yet (status.macAddress)"));
                continue;
            }

            var address = (status.FixedIPs ?? [])
                .Select(ip => IPAddress.TryParse(ip.IPAddress, out var a) ? a : null)
                .FirstOrDefault(a => a is not null && a.AddressFamily == AddressFamily.InterNetwork && cidr.Contains(a));
            if (address is null)
            {
                skipped.Add(new SkippedPort(portName, $"no fixed IP in subnet {subnet.Name} ({cidr}) yet (status.fixedIPs)"));
                continue;
            }

            if (taken.TryGetValue(address, out var holder))
            {
                skipped.Add(new SkippedPort(portName, $"fixed IP {address} is already {holder}"));
                continue;
            }

            taken[address] = $"port {portName}'s";
            hosts.Add(new DhcpHost(mac, address));
        }

        return (hosts, skipped);
    }

    private static bool OnNetwork(Port port, Network network)
        => port.Spec.NetworkRef.Name == network.Metadata.Name && (port.Spec.NetworkRef.Namespace ?? port.Metadata.NamespaceProperty) == network.Metadata.NamespaceProperty;

    private static IPNetwork ParseCidr(Subnet subnet, string name)
        => TryParseCidr(subnet.Cidr, out var cidr)
            ? cidr
            : throw new NetworkSetupException($"{name}: spec.subnets[{subnet.Name}].cidr '{subnet.Cidr}' is not a CIDR with its host bits zero");

    /// <summary>A CIDR whose address is the network's base address (IPNetwork.TryParse masks host bits away silently).</summary>
    private static bool TryParseCidr(string text, out IPNetwork cidr)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        return IPNetwork.TryParse(text, out cidr) && slash > 0 && IPAddress.TryParse(text[..slash], out var address) && address.Equals(cidr.BaseAddress);
    }

    private static IPAddress ParseAddress(string text, string field)
        => IPAddress.TryParse(text, out var address) ? address : throw new NetworkSetupException($"{field}: '{text}' is not an IP address");

    private static DhcpRoute Route(HostRoute route, string field)
    {
        if (!TryParseCidr(route.Destination, out var destination) || destination.BaseAddress.AddressFamily != AddressFamily.InterNetwork)
        {
            throw new NetworkSetupException($"{field}: destination '{route.Destination}' is not an IPv4 CIDR with its host bits zero");
        }

        var nextHop = ParseAddress(route.Nexthop, field + ".nexthop");
        return nextHop.AddressFamily == AddressFamily.InterNetwork
            ? new DhcpRoute(destination, nextHop)
            : throw new NetworkSetupException($"{field}: nexthop {nextHop} of {destination} is not an IPv4 address");
    }

    /// <summary>Inside the subnet and neither its network nor its broadcast address.</summary>
    private static void RequireHostAddress(IPNetwork cidr, IPAddress address, string what)
    {
        if (!cidr.Contains(address))
        {
            throw new NetworkSetupException($"{what} is outside {cidr}");
        }

        if (cidr.PrefixLength < 31 && (address.Equals(cidr.BaseAddress) || address.Equals(Offset(cidr.BaseAddress, (1L << (32 - cidr.PrefixLength)) - 1))))
        {
            throw new NetworkSetupException($"{what} is the network or broadcast address of {cidr}");
        }
    }

    private static IPAddress Offset(IPAddress address, long offset)
    {
        var bytes = address.GetAddressBytes();
        var value = ((uint)bytes[0] << 24 | (uint)bytes[1] << 16 | (uint)bytes[2] << 8 | bytes[3]) + (uint)offset;
        return new IPAddress([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value]);
    }
}
