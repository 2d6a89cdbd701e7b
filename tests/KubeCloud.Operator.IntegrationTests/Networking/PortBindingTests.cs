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

    private static async Task<Port> WaitForAsync(ServerTestBed bed, string name, Func<Port, bool> condition, string what)
    {
        Port? port = null;
        await OperatorCluster.EventuallyAsync(async () => condition(port = await bed.Client.GetAsync<Port>(name, ServerTestBed.Project)), what);
        return port!;
    }
}
