using KubeCloud.Api;
using KubeCloud.Api.V1Alpha1;
using KubeCloud.ControllerRuntime.Observability;
using KubeCloud.Operator.Controllers.Servers;

namespace KubeCloud.Operator.IntegrationTests.Servers;

public sealed class ServerFlowTests
{
    [Fact]
    public async Task A_server_is_scheduled_gets_a_port_and_follows_the_node_to_Active_and_Ready()
    {
        await using var bed = await ServerTestBed.StartAsync();
        await bed.CreateAsync(ServerTestBed.NewServer("web"));

        var server = await bed.WaitForPhaseAsync("web", ServerPhase.Active);
        var status = server.Status!;
        Assert.StartsWith("node-", status.Node);
        Assert.Equal(status.Node, server.Metadata.Labels[ApiGroup.NodeLabel]);
        Assert.Equal("small", status.Flavor!.Name);
        Assert.Equal(1, status.SchedulingAttempts);
        Assert.Null(status.TaskState);
        Assert.Null(status.Fault);
        Assert.Equal(ObservedPowerState.Running, status.PowerState);
        foreach (var type in new[] { "Scheduled", "NetworkReady", "VolumesReady", "Ready", "Spawned", "ImageReady" })
        {
            Assert.True(Conditions.IsTrue(status, type), $"condition {type} is True");
        }

        Assert.Equal(server.Metadata.Generation, status.ObservedGeneration);
        Assert.Contains(ServerReconciler.Finalizer, server.Metadata.Finalizers);
        Assert.Contains(NodeSimulator.NodeCleanupFinalizer, server.Metadata.Finalizers);

        var port = Assert.Single(await bed.PortsAsync());
        Assert.Equal("web-0", port.Metadata.Name);
        Assert.Equal("web", port.Metadata.Labels[ServerReconciler.ServerLabel]);
        var owner = Assert.Single(port.Metadata.OwnerReferences);
        Assert.Equal((server.Metadata.Uid, true), (owner.Uid, owner.Controller == true));
        var address = Assert.Single(status.Addresses!);
        Assert.Equal((port.Status!.MacAddress, port.Status.FixedIPs![0].IPAddress, "net-a", "web-0"), (address.MacAddress, address.IPAddress, address.Network, address.Port));

        var claim = bed.Placement.Ledger.AllocationOf(server.Metadata.Uid);
        Assert.Equal(status.Node, claim!.Host);
        Assert.False(claim.InFlight);

        var metrics = await RuntimeMetrics.ScrapeAsync();
        Assert.Contains("kubecloud_scheduler_scheduling_duration_seconds_bucket{outcome=\"scheduled\"", metrics);
        Assert.Contains("kubecloud_servers{phase=\"Active\"}", metrics);
        Assert.Contains("kubecloud_server_creation_to_active_seconds_count", metrics);
    }

    [Fact]
    public async Task No_valid_host_is_Error_naming_the_filter_and_that_the_filters_left_no_host_then_recovers_when_a_host_fits()
    {
        await using var bed = await ServerTestBed.StartAsync(nodes: 3);
        await bed.CreateFlavorAsync("huge", 4, "64Gi");
        await bed.CreateAsync(ServerTestBed.NewServer("big", flavor: "huge", network: false));

        var server = await bed.WaitForPhaseAsync("big", ServerPhase.Error);
        var fault = server.Status!.Fault!;
        Assert.Equal(500, fault.Code);
        Assert.Equal("No valid host was found. There are not enough hosts available. 3 hosts: RamFilter removed 3. The filters left no host (attempt 1 of 3; retried when hosts change).", fault.Message);
        Assert.StartsWith("RamFilter removed 3 of 3 (e.g. ", fault.Details);
        Assert.Equal("NoValidHost", Conditions.Find(server.Status, "Scheduled")!.Reason);
        Assert.Null(server.Status.Node);

        // A node big enough appears: the server in Error is placed and goes Active on it.
        await using var bigNode = await NodeSimulator.StartAsync(bed.Client, ["node-big"], new NodeSimulatorOptions { Memory = Quantity.Parse("128Gi") });
        server = await bed.WaitForPhaseAsync("big", ServerPhase.Active);
        Assert.Equal("node-big", server.Status!.Node);
        Assert.Null(server.Status.Fault);
    }
}
