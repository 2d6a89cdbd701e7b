using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Client;

namespace KubeCloud.Operator.IntegrationTests.Servers;

/// <summary>
/// DESIGN.md section 3 end to end with the Network, Port, Volume and ServerGroup controllers: two servers of an
/// anti-affinity group, each on two networks, one with a volume; deleting them leaves no port, address, claim or
/// attachment behind. Needs the Volume controller (branch operator-volume) in main.
/// </summary>
public sealed class ServerWholeFlowTests
{
    [Fact]
    public async Task Two_networks_a_volume_and_a_server_group_converge_and_delete_without_leftovers()
    {
        await using var bed = await ServerTestBed.StartAsync(nodes: 3);
        await bed.CreateAsync(new Network { Metadata = ServerTestBed.Meta("net-b", ServerTestBed.Project), Spec = new NetworkSpec { Subnets = [new Subnet { Name = "s1", Cidr = "10.1.0.0/24" }] } });
        await bed.CreateAsync(new ServerGroup { Metadata = ServerTestBed.Meta("apart", ServerTestBed.Project), Spec = new ServerGroupSpec { Policy = ServerGroupPolicy.AntiAffinity } });
        await bed.CreateAsync(new Volume { Metadata = ServerTestBed.Meta("data", ServerTestBed.Project), Spec = new VolumeSpec { Size = Quantity.Parse("1Gi") } });

        foreach (var name in new[] { "db", "app" })
        {
            var server = ServerTestBed.NewServer(name);
            server.Spec.Networks!.Add(new ServerNetwork { NetworkRef = new NamespacedObjectReference { Name = "net-b" }, FixedIP = name == "db" ? "10.1.0.50" : null });
            server.Spec.SchedulerHints = new SchedulerHints { ServerGroup = "apart" };
            if (name == "db")
            {
                server.Spec.Volumes = [new ServerVolume { VolumeRef = new LocalObjectReference { Name = "data" } }];
            }

            await bed.CreateAsync(server);
        }

        var db = await bed.WaitForPhaseAsync("db", ServerPhase.Active, timeout: TimeSpan.FromMinutes(1));
        var app = await bed.WaitForPhaseAsync("app", ServerPhase.Active, timeout: TimeSpan.FromMinutes(1));
        Assert.NotEqual(db.Status!.Node, app.Status!.Node);
        Assert.Equal(["net-a", "net-b"], db.Status.Addresses!.Select(a => a.Network));
        Assert.Equal("10.1.0.50", db.Status.Addresses![1].IPAddress);
        Assert.Equal(2, app.Status.Addresses!.Count);
        Assert.True(Conditions.IsTrue(db.Status, "VolumesReady"));
        var volume = await bed.Client.GetAsync<Volume>("data", ServerTestBed.Project);
        var attachment = Assert.Single(volume.Status!.Attachments!);
        Assert.Equal(("db", db.Status.Node), (attachment.Server, attachment.Node));
        Assert.Equal(4, (await bed.PortsAsync()).Count);

        await bed.Client.DeleteAsync<Server>("db", ServerTestBed.Project);
        await bed.Client.DeleteAsync<Server>("app", ServerTestBed.Project);
        await bed.WaitGoneAsync("db");
        await bed.WaitGoneAsync("app");
        await OperatorCluster.EventuallyAsync(async () => (await bed.PortsAsync()).Count == 0, "every port the operator made deleted");
        await OperatorCluster.EventuallyAsync(async () => (await bed.Client.GetAsync<Volume>("data", ServerTestBed.Project)).Status?.Attachments is null or { Count: 0 }, "the volume detached");
        Assert.Equal(0, bed.Placement.Ledger.Count);
        var networkB = await bed.Client.GetAsync<Network>("net-b", ServerTestBed.Project);
        Assert.All(networkB.Status?.Subnets ?? [], s => Assert.Equal(0L, s.UsedIPs));
    }
}
