using KubeCloud.Api.V1Alpha1;
using KubeCloud.Operator.Controllers.Ports;
using KubeCloud.Operator.IntegrationTests.Servers;

namespace KubeCloud.Operator.IntegrationTests.Networking;

/// <summary>A port's serverRef, node and phase follow the server it is bound to (the whole operator, nodes simulated).</summary>
public sealed class PortBindingTests
{
    [Fact]
    public async Task A_port_made_for_a_server_and_a_port_named_by_a_server_report_that_server_its_node_and_Active()
    {
        await using var bed = await ServerTestBed.StartAsync(nodes: 1);
        var mine = new Port
        {
            Metadata = ServerTestBed.Meta("mine", ServerTestBed.Project),
            Spec = new PortSpec { NetworkRef = new NamespacedObjectReference { Name = "net-a" }, FixedIPs = [new FixedIP { IPAddress = "10.0.9.9" }] },
        };
        await bed.CreateAsync(mine);
        var unbound = await WaitForAsync(bed, "mine", p => p.Status?.MacAddress is not null, "the user's port allocated");
        Assert.Equal((PortPhase.Down, null, null), (unbound.Status!.Phase, unbound.Status.ServerRef, unbound.Status.Node));

        var server = ServerTestBed.NewServer("web");
        server.Spec.Networks!.Add(new ServerNetwork { PortRef = new LocalObjectReference { Name = "mine" } });
        await bed.CreateAsync(server);
        server = await bed.WaitForPhaseAsync("web", ServerPhase.Active);

        foreach (var name in new[] { "web-0", "mine" })
        {
            var port = await WaitForAsync(bed, name, p => p.Status?.Phase == PortPhase.Active, $"{name} Active with its server");
            Assert.Equal("web", port.Status!.ServerRef!.Name);
            Assert.Equal(server.Status!.Node, port.Status.Node);
            Assert.Equal(PortReasons.Allocated, Conditions.Find(port.Status, ConditionTypes.Ready)!.Reason);
        }

        Assert.Equal("10.0.9.9", (await bed.Client.GetAsync<Port>("mine", ServerTestBed.Project)).Status!.FixedIPs!.Single().IPAddress);
    }

    [Fact]
    public async Task A_nodes_dhcp_port_is_allocated_from_the_pool_on_its_node_bound_to_no_server_and_deleted_with_its_network()
    {
        await using var bed = await ServerTestBed.StartAsync(nodes: 1);
        await bed.CreateAsync(new Network { Metadata = ServerTestBed.Meta("net-b", ServerTestBed.Project), Spec = new NetworkSpec { Subnets = [new Subnet { Name = "s1", Cidr = "10.2.0.0/24" }] } });
        var name = DhcpPort.NameFor("node-x", "net-b");
        await bed.CreateAsync(new Port
        {
            Metadata = new k8s.Models.V1ObjectMeta { Name = name, NamespaceProperty = ServerTestBed.Project, Labels = new Dictionary<string, string> { [DhcpPort.NodeLabel] = "node-x" } },
            Spec = new PortSpec { NetworkRef = new NamespacedObjectReference { Name = "net-b" }, FixedIPs = [new FixedIP { Subnet = "s1" }] },
        });
        var port = await WaitForAsync(bed, name, p => p.Status?.MacAddress is not null && p.Status.Phase == PortPhase.Active, "the DHCP port allocated and Active");
        Assert.Equal(("node-x", null), (port.Status!.Node, port.Status.ServerRef));
        Assert.Equal(("s1", "10.2.0.2"), (port.Status.FixedIPs!.Single().Subnet, port.Status.FixedIPs!.Single().IPAddress)); // the pool's first address, the gateway being .1

        // The node is gone and never deletes it: deleting the network deletes its DHCP ports (Neutron's network:dhcp ports go with the network).
        await bed.Client.DeleteAsync<Network>("net-b", ServerTestBed.Project);
        await OperatorCluster.EventuallyAsync(async () => !(await bed.PortsAsync()).Any(p => p.Metadata.Name == name), "the DHCP port deleted with the network");
        await OperatorCluster.EventuallyAsync(async () => !(await bed.Client.ListAsync<Network>(ServerTestBed.Project)).Items!.Any(n => n.Metadata.Name == "net-b"), "the network gone");
    }

    [Fact]
    public async Task Bound_ports_carry_their_nodes_label_and_the_network_lists_those_nodes_with_their_tunnel_IPs()
    {
        await using var bed = await ServerTestBed.StartAsync(nodes: 1);
        await bed.CreateAsync(new Port
        {
            Metadata = ServerTestBed.Meta("mine", ServerTestBed.Project),
            Spec = new PortSpec { NetworkRef = new NamespacedObjectReference { Name = "net-a" } },
        });
        var unbound = await WaitForAsync(bed, "mine", p => p.Status?.MacAddress is not null, "the user's port allocated");
        Assert.Null(NodeLabel(unbound));

        var server = ServerTestBed.NewServer("web");
        server.Spec.Networks!.Add(new ServerNetwork { PortRef = new LocalObjectReference { Name = "mine" } });
        await bed.CreateAsync(server);
        var node = (await bed.WaitForPhaseAsync("web", ServerPhase.Active)).Status!.Node!;
        foreach (var name in new[] { "web-0", "mine" })
        {
            await WaitForAsync(bed, name, p => NodeLabel(p) == node, $"{name} labelled {ApiGroup.NodeLabel}={node}");
        }

        await WaitForNodesAsync(bed, "net-a", [(node, "127.0.0.1")], "net-a lists the server's node and its tunnel IP");

        // The node's tunnel IP changes: the network follows.
        bed.Nodes.Options.TunnelIPs[node] = "192.0.2.7";
        await bed.Nodes.SetDownAsync(node, down: false);
        await WaitForNodesAsync(bed, "net-a", [(node, "192.0.2.7")], "net-a shows the node's new tunnel IP");

        // A node's DHCP port is labelled with its node, and that node is an endpoint of the network too.
        var dhcp = DhcpPort.NameFor("node-x", "net-a");
        await bed.CreateAsync(new Port
        {
            Metadata = new k8s.Models.V1ObjectMeta { Name = dhcp, NamespaceProperty = ServerTestBed.Project, Labels = new Dictionary<string, string> { [DhcpPort.NodeLabel] = "node-x" } },
            Spec = new PortSpec { NetworkRef = new NamespacedObjectReference { Name = "net-a" } },
        });
        await WaitForAsync(bed, dhcp, p => NodeLabel(p) == "node-x", "the DHCP port labelled with its node");
        await WaitForNodesAsync(bed, "net-a", [(node, "192.0.2.7"), ("node-x", null)], "net-a lists node-x, which has no Hypervisor, without a tunnel IP");

        // The server goes: the port it named is unbound and loses the label; only the DHCP port's node is left.
        await bed.Client.DeleteAsync<Server>("web", ServerTestBed.Project);
        await bed.WaitGoneAsync("web");
        await WaitForAsync(bed, "mine", p => NodeLabel(p) is null && p.Status?.Node is null, "the unbound port without the node label");
        await WaitForNodesAsync(bed, "net-a", [("node-x", null)], "net-a without the server's node");
    }

    private static string? NodeLabel(Port port) => port.Metadata.Labels?.TryGetValue(ApiGroup.NodeLabel, out var node) == true ? node : null;

    private static Task WaitForNodesAsync(ServerTestBed bed, string network, (string Node, string? TunnelIP)[] expected, string what) =>
        OperatorCluster.EventuallyAsync(async () =>
        {
            var nodes = (await bed.Client.GetAsync<Network>(network, ServerTestBed.Project)).Status?.Nodes ?? [];
            return nodes.Select(n => (n.Node, n.TunnelIP)).SequenceEqual(expected);
        }, what);

    private static async Task<Port> WaitForAsync(ServerTestBed bed, string name, Func<Port, bool> condition, string what)
    {
        Port? port = null;
        await OperatorCluster.EventuallyAsync(async () => condition(port = await bed.Client.GetAsync<Port>(name, ServerTestBed.Project)), what);
        return port!;
    }
}
