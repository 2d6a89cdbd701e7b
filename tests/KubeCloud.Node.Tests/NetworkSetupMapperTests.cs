using System.Net;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.Node.Mapping;
using KubeCloud.Node.Networking;

namespace KubeCloud.Node.Tests;

public sealed class NetworkSetupMapperTests
{
    private const string ThisNode = "node-a";

    private static readonly NodeNetworkContext Node = new()
    {
        NodeName = ThisNode,
        TunnelIp = IPAddress.Parse("192.0.2.1"),
        Peers = [IPAddress.Parse("192.0.2.2"), IPAddress.Parse("192.0.2.1"), IPAddress.Parse("192.0.2.2")],
        DhcpLeaseTime = TimeSpan.FromHours(1),
    };

    private static readonly IPAddress DhcpServer = IPAddress.Parse("10.1.0.2");

    private static Network Network() => new()
    {
        Metadata = new() { Name = "private", NamespaceProperty = "demo", Uid = "net-uid-1" },
        Spec = new NetworkSpec
        {
            Mtu = 1400,
            Subnets =
            [
                new Subnet
                {
                    Name = "v4",
                    Cidr = "10.1.0.0/24",
                    GatewayIP = "10.1.0.1",
                    DnsNameservers = ["10.1.0.53", "2001:db8::53"],
                    HostRoutes = [new HostRoute { Destination = "10.9.0.0/16", Nexthop = "10.1.0.254" }],
                },
                new Subnet { Name = "v6", Cidr = "2001:db8:1::/64" },
            ],
        },
        Status = new NetworkStatus { SegmentationId = 4242 },
    };

    private static Port Port(string name, string? node = ThisNode, string? mac = "52:54:00:AA:00:01", string? ip = "10.1.0.11", string network = "private") => new()
    {
        Metadata = new() { Name = name, NamespaceProperty = "demo", Uid = name + "-uid" },
        Spec = new PortSpec { NetworkRef = new() { Name = network } },
        Status = new PortStatus
        {
            Node = node,
            MacAddress = mac,
            FixedIPs = ip is null ? null : [new AllocatedIP { Subnet = ip.Contains(':', StringComparison.Ordinal) ? "v6" : "v4", IPAddress = ip }],
        },
    };

    /// <summary>A node's DHCP port on <c>private</c>, allocated and on that node, as the operator reports it.</summary>
    private static Port DhcpPortOf(string node, string ip)
    {
        var port = Port(DhcpPort.NameFor(node, "private"), node, mac: "fa:16:3e:00:00:02", ip: ip);
        port.Metadata.Labels = new Dictionary<string, string> { [DhcpPort.NodeLabel] = node };
        return port;
    }

    [Fact]
    public void The_dhcp_subnet_is_the_one_ipv4_subnet_with_enableDHCP()
    {
        var (found, reason) = NetworkSetupMapper.DhcpSubnet(Network());
        Assert.Equal(("v4", "10.1.0.0/24", null), (found!.Value.Subnet.Name, found.Value.Cidr.ToString(), reason));
        var network = Network();
        network.Spec.Subnets!.Add(new Subnet { Name = "v4b", Cidr = "10.2.0.0/24" });
        Assert.Contains("DHCP on more than one IPv4 subnet (v4, v4b)", Assert.Throws<NetworkSetupException>(() => NetworkSetupMapper.DhcpSubnet(network)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_second_node_on_the_host_names_its_devices_with_its_prefix_and_tunnels_from_its_namespace()
    {
        var setup = NetworkSetupMapper.Map(Network(), [Port("web-1")], Node with { DevicePrefix = "k2", UnderlayNamespace = "k2-underlay" }, DhcpServer);

        Assert.Equal((DeviceNames.Bridge("net-uid-1", "k2"), DeviceNames.Vxlan("net-uid-1", "k2")), (setup.Bridge.BridgeName, setup.Bridge.VxlanName));
        Assert.Equal("k2-underlay", setup.Bridge.UnderlayNamespace);
        var dhcp = Assert.IsType<DhcpPlan>(setup.Dhcp);
        Assert.Equal((setup.Bridge.BridgeName, DeviceNames.DhcpNamespace("net-uid-1", "k2")), (dhcp.BridgeName, dhcp.Namespace));
    }

    [Fact]
    public void Vxlan_network_with_an_ipv4_subnet_becomes_bridge_and_dhcp_plans()
    {
        var setup = NetworkSetupMapper.Map(Network(), [Port("web-1")], Node, DhcpServer);

        Assert.Equal("net-uid-1", setup.Bridge.NetworkId);
        Assert.Equal(DeviceNames.Bridge("net-uid-1"), setup.Bridge.BridgeName);
        Assert.Equal(DeviceNames.Vxlan("net-uid-1"), setup.Bridge.VxlanName);
        Assert.Equal((4242, 1400), (setup.Bridge.Vni, setup.Bridge.Mtu));
        Assert.Equal(IPAddress.Parse("192.0.2.1"), setup.Bridge.LocalTunnelIp);
        Assert.Equal([IPAddress.Parse("192.0.2.2")], setup.Bridge.Peers); // no self, no duplicates
        Assert.Equal((DeviceNames.DefaultPrefix, null), (setup.Bridge.DevicePrefix, setup.Bridge.UnderlayNamespace));

        var dhcp = Assert.IsType<DhcpPlan>(setup.Dhcp);
        Assert.Equal(IPNetwork.Parse("10.1.0.0/24"), dhcp.Subnet);
        Assert.Equal(DhcpServer, dhcp.ServerAddress);
        Assert.Equal(IPAddress.Parse("10.1.0.1"), dhcp.Gateway);
        Assert.Equal([IPAddress.Parse("10.1.0.53")], dhcp.DnsServers); // an IPv6 DNS server cannot go into DHCPv4
        Assert.Equal([new DhcpRoute(IPNetwork.Parse("10.9.0.0/16"), IPAddress.Parse("10.1.0.254"))], dhcp.Routes);
        Assert.Equal((1400, TimeSpan.FromHours(1)), (dhcp.Mtu, dhcp.LeaseTime));
        Assert.Equal([new DhcpHost("52:54:00:aa:00:01", IPAddress.Parse("10.1.0.11"))], dhcp.Hosts);
        Assert.Empty(setup.SkippedPorts);
        Assert.Null(setup.DhcpSkippedReason);
        Assert.Contains("--dhcp-option=option:classless-static-route,10.9.0.0/16,10.1.0.254,0.0.0.0/0,10.1.0.1", DnsmasqServer.Arguments(dhcp, "/x"));
    }

    /// <summary>Which ports get a DHCP entry on this node: case, ports, expected hosts, expected skipped ports (name: reason fragment).</summary>
    public static TheoryData<string> PortCases => [.. PortTable.Keys];

    private static readonly Dictionary<string, (Port[] Ports, string[] Hosts, string[] Skipped)> PortTable = new()
    {
        ["port on this node"] = ([Port("a")], ["52:54:00:aa:00:01=10.1.0.11"], []),
        ["ports on other nodes and unbound ports are left out silently"] = ([Port("a"), Port("b", node: "node-b", mac: "52:54:00:aa:00:02", ip: "10.1.0.12"), Port("c", node: null, mac: "52:54:00:aa:00:03", ip: "10.1.0.13")], ["52:54:00:aa:00:01=10.1.0.11"], []),
        ["port without a fixed IP"] = ([Port("a", ip: null)], [], ["demo/a: no fixed IP in subnet v4"]),
        ["port with only an IPv6 address"] = ([Port("a", ip: "2001:db8:1::5")], [], ["demo/a: no fixed IP in subnet v4"]),
        ["port with an address outside the DHCP subnet"] = ([Port("a", ip: "10.7.0.5")], [], ["demo/a: no fixed IP in subnet v4 (10.1.0.0/24)"]),
        ["port without a MAC"] = ([Port("a", mac: null)], [], ["demo/a: no MAC address yet"]),
        ["port of another network"] = ([Port("a", network: "public")], [], ["demo/a: spec.networkRef names demo/public"]),
        ["two ports with one address"] = ([Port("a"), Port("b", mac: "52:54:00:aa:00:02")], ["52:54:00:aa:00:01=10.1.0.11"], ["demo/b: fixed IP 10.1.0.11 is already port demo/a's"]),
        ["port holding the DHCP server address"] = ([Port("a", ip: "10.1.0.2")], [], ["demo/a: fixed IP 10.1.0.2 is already the DHCP server"]),
        ["this node's DHCP port (the server's own address, no client entry)"] = ([DhcpPortOf(ThisNode, "10.1.0.2"), Port("a")], ["52:54:00:aa:00:01=10.1.0.11"], []),
        ["another node's DHCP port"] = ([DhcpPortOf("node-b", "10.1.0.3")], [], []),
    };

    [Theory]
    [MemberData(nameof(PortCases))]
    public void Dhcp_hosts_are_the_ports_bound_to_this_node_with_a_mac_and_an_ipv4_address(string name)
    {
        var (ports, hosts, skipped) = PortTable[name];
        var setup = NetworkSetupMapper.Map(Network(), ports, Node, DhcpServer);
        Assert.Equal(hosts, setup.Dhcp!.Hosts.Select(h => $"{h.MacAddress}={h.Address}"));
        Assert.Equal(skipped.Length, setup.SkippedPorts.Count);
        foreach (var (expected, actual) in skipped.Zip(setup.SkippedPorts))
        {
            Assert.StartsWith(expected.Split(": ")[0], actual.Port, StringComparison.Ordinal);
            Assert.Contains(expected[(expected.IndexOf(": ", StringComparison.Ordinal) + 2)..], actual.Reason, StringComparison.Ordinal);
        }
    }

    /// <summary>Networks the node does not serve DHCP on, and why.</summary>
    public static TheoryData<string> NoDhcpCases => [.. NoDhcpTable.Keys];

    private static readonly Dictionary<string, (Action<Network> Change, string Reason)> NoDhcpTable = new()
    {
        ["IPv6-only network"] = (n => n.Spec.Subnets!.RemoveAt(0), "only IPv6 subnets have enableDHCP (v6); the node serves DHCPv4 only"),
        ["DHCP disabled on the IPv4 subnet"] = (n => n.Spec.Subnets![0].EnableDHCP = false, "only IPv6 subnets have enableDHCP (v6)"),
        ["no subnets"] = (n => n.Spec.Subnets = null, "no subnet has enableDHCP"),
    };

    [Theory]
    [MemberData(nameof(NoDhcpCases))]
    public void Network_without_an_ipv4_dhcp_subnet_gets_a_bridge_and_no_dhcp(string name)
    {
        var (change, reason) = NoDhcpTable[name];
        var network = Network();
        change(network);
        var setup = NetworkSetupMapper.Map(network, [Port("a")], Node, dhcpServerAddress: null);
        Assert.Null(setup.Dhcp);
        Assert.Contains(reason, setup.DhcpSkippedReason, StringComparison.Ordinal);
        Assert.Equal(4242, setup.Bridge.Vni);
    }

    /// <summary>Objects the node cannot wire: the error names the network, the field and the rule.</summary>
    public static TheoryData<string> ErrorCases => [.. ErrorTable.Keys];

    private static readonly Dictionary<string, (Action<Network> Change, IPAddress? Server, string Error)> ErrorTable = new()
    {
        ["no segmentation id yet"] = (n => n.Status = null, DhcpServer, "network demo/private: no VXLAN segmentation id yet (neither spec.segmentationId nor status.segmentationId is set)"),
        ["flat network"] = (n => { n.Spec.ProviderType = ProviderType.Flat; n.Spec.PhysicalNetwork = "physnet1"; }, DhcpServer, "network demo/private: spec.providerType flat is not supported by the node daemon yet (only vxlan)"),
        ["no DHCP server address"] = (_ => { }, null, "network demo/private: node node-a has no DHCP server address in subnet v4 (10.1.0.0/24) yet; the operator's IPAM allocates one"),
        ["DHCP server address outside the subnet"] = (_ => { }, IPAddress.Parse("10.2.0.2"), "network demo/private: DHCP server address 10.2.0.2 of node node-a is outside 10.1.0.0/24"),
        ["DHCP server address is the broadcast address"] = (_ => { }, IPAddress.Parse("10.1.0.255"), "DHCP server address 10.1.0.255 of node node-a is the network or broadcast address of 10.1.0.0/24"),
        ["DHCP server address is the gateway"] = (_ => { }, IPAddress.Parse("10.1.0.1"), "DHCP server address 10.1.0.1 of node node-a is the gateway of subnet v4"),
        ["IPv6 DHCP server address"] = (_ => { }, IPAddress.Parse("2001:db8:1::2"), "DHCP server address 2001:db8:1::2 of node node-a is outside 10.1.0.0/24"),
        ["gateway outside the subnet"] = (n => n.Spec.Subnets![0].GatewayIP = "10.2.0.1", DhcpServer, "network demo/private: spec.subnets[v4].gatewayIP 10.2.0.1 is outside 10.1.0.0/24"),
        ["cidr with host bits"] = (n => n.Spec.Subnets![0].Cidr = "10.1.0.7/24", DhcpServer, "network demo/private: spec.subnets[v4].cidr '10.1.0.7/24' is not a CIDR with its host bits zero"),
        ["IPv6 host route"] = (n => n.Spec.Subnets![0].HostRoutes = [new HostRoute { Destination = "2001:db8:9::/48", Nexthop = "10.1.0.254" }], DhcpServer, "spec.subnets[v4].hostRoutes: destination '2001:db8:9::/48' is not an IPv4 CIDR"),
        ["two IPv4 DHCP subnets"] = (n => n.Spec.Subnets!.Add(new Subnet { Name = "v4b", Cidr = "10.3.0.0/24" }), DhcpServer, "network demo/private: spec.subnets: DHCP on more than one IPv4 subnet (v4, v4b) is not supported yet"),
    };

    [Theory]
    [MemberData(nameof(ErrorCases))]
    public void Network_the_node_cannot_wire_is_refused_with_the_field_and_rule(string name)
    {
        var (change, server, error) = ErrorTable[name];
        var network = Network();
        change(network);
        var e = Assert.Throws<NetworkSetupException>(() => NetworkSetupMapper.Map(network, [Port("a")], Node, server));
        Assert.Contains(error, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Gateway_defaults_to_the_first_address_and_no_tunnel_ip_is_refused()
    {
        var network = Network();
        network.Spec.Subnets![0].GatewayIP = null;
        Assert.Equal(IPAddress.Parse("10.1.0.1"), NetworkSetupMapper.Map(network, [], Node, DhcpServer).Dhcp!.Gateway);
        var e = Assert.Throws<NetworkSetupException>(() => NetworkSetupMapper.Map(network, [], Node with { TunnelIp = null }, DhcpServer));
        Assert.Equal("network demo/private: node node-a has no tunnel IP for VXLAN 4242", e.Message);
    }
}
