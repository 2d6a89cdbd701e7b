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

    private static async Task<Port> WaitForAsync(ServerTestBed bed, string name, Func<Port, bool> condition, string what)
    {
        Port? port = null;
        await OperatorCluster.EventuallyAsync(async () => condition(port = await bed.Client.GetAsync<Port>(name, ServerTestBed.Project)), what);
        return port!;
    }
}
